import X509

extension Identity {
    /// Parses the certificate DER (on demand; not cached).
    public func certificate() throws -> Certificate {
        try smsCertificate.certificate()
    }

    /// Parses the private key DER into a key usable for TLS and signing (on demand; not cached).
    public func privateKey() throws -> Certificate.PrivateKey {
        try smsCertificate.privateKey()
    }
}
