import X509

/// What kind of client certificate an identity holds.
public enum IdentityCertificateKind: String, Sendable, Hashable {
    /// Self-signed, with the SMS EKUs: what a ConfigMgr client on HTTP or Enhanced HTTP generates.
    case selfSignedSMS = "self-signed SMS"
    /// Issued by a CA (the site's PKI), with the Client Authentication EKU.
    case pki = "PKI"
}

extension Identity {
    /// Self-signed SMS or PKI, read from the certificate (issuer = subject: self-signed).
    public var certificateKind: IdentityCertificateKind {
        guard let certificate = try? smsCertificate.certificate() else { return .selfSignedSMS }
        return certificate.issuer == certificate.subject ? .selfSignedSMS : .pki
    }
}
