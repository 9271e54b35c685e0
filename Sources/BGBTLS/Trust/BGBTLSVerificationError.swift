/// The server's certificate did not validate (`tls.verify: ca|pin`): the session is closed before
/// anything is sent. Carries what an operator needs to find the certificate.
public struct BGBTLSVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why it failed ("not signed by a trusted CA", "public key not pinned", …).
    public var reason: String
    /// The presented leaf certificate's subject (RFC 2253 form), or "" when none was presented.
    public var subject: String
    /// SHA-256 of the presented leaf certificate's DER, upper-case hex ("" when none).
    public var sha256Thumbprint: String

    public init(reason: String, subject: String, sha256Thumbprint: String) {
        self.reason = reason
        self.subject = subject
        self.sha256Thumbprint = sha256Thumbprint
    }

    public var description: String {
        "server certificate not trusted: \(reason) (subject '\(subject)', SHA-256 \(sha256Thumbprint))"
    }
}
