internal import CNIOBoringSSL

/// A TLS failure on a lean TLS connection (``BGBLeanTLSHandler``), with BoringSSL's error queue.
public struct BGBLeanTLSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The handshake failed (alert, bad certificate, unsupported version…).
        case handshakeFailed = "TLS handshake failed"
        /// A record could not be read or written after the handshake.
        case recordFailed = "TLS record error"
        /// The server's certificate is not the pinned one.
        case pinnedCertificateMismatch = "the server certificate is not the pinned one"
        /// TCP closed before the handshake completed.
        case closedDuringHandshake = "the connection closed during the TLS handshake"
        /// The credentials could not be loaded into BoringSSL.
        case badCredentials = "the client certificate or key could not be loaded"
        /// BoringSSL could not allocate a connection.
        case setupFailed = "TLS connection setup failed"
    }

    public var kind: Kind
    /// BoringSSL's error strings, oldest first (may be empty).
    public var details: [String]

    public init(_ kind: Kind, details: [String] = []) {
        self.kind = kind
        self.details = details
    }

    public var description: String {
        details.isEmpty ? kind.rawValue : "\(kind.rawValue): \(details.joined(separator: "; "))"
    }

    /// An error of `kind` carrying (and clearing) this thread's BoringSSL error queue.
    static func drainingErrorQueue(_ kind: Kind) -> BGBLeanTLSError {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            guard code != 0 else { break }
            var text = [CChar](repeating: 0, count: 256)
            _ = text.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress!, $0.count) }
            details.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return BGBLeanTLSError(kind, details: details)
    }
}
