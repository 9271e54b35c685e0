/// A trust setting that cannot be used: reported before anything connects.
public enum BGBTrustError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The CA file cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The CA file holds no PEM certificate, or one that does not parse.
    case noCertificates(path: String)
    /// A pin not of the form `sha256/BASE64` (32 bytes).
    case malformedPin(String)
    /// A certificate (DER) that BoringSSL cannot parse.
    case unparsableCertificate
    /// BoringSSL refused to build the trust store.
    case setupFailed(String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "cannot read the CA file \(path): \(reason)"
        case .noCertificates(let path): "\(path) holds no PEM certificate that parses"
        case .malformedPin(let text): "the pin '\(text)' is not of the form sha256/BASE64 (the Base64 of a 32-byte SHA-256 of the SubjectPublicKeyInfo)"
        case .unparsableCertificate: "the certificate does not parse"
        case .setupFailed(let reason): "the trust store cannot be built: \(reason)"
        }
    }
}
