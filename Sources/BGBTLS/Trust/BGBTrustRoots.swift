internal import CNIOBoringSSL
internal import CNIOBoringSSLShims
import Foundation

/// The CA certificates a server certificate must chain to (`--mp-ca FILE`, `tls.verify: ca`):
/// parsed once into a BoringSSL trust store shared by every connection of a run.
public final class BGBTrustRoots: @unchecked Sendable, Hashable, CustomStringConvertible {
    // Immutable after init; an X509_STORE is safe for concurrent verification once built.
    private let store: OpaquePointer
    /// The roots, DER.
    public let certificates: [[UInt8]]
    /// Where they came from (for messages and the plan).
    public let source: String

    /// Reads a PEM bundle.
    /// - Throws: ``BGBTrustError/unreadableFile(path:reason:)`` or ``BGBTrustError/noCertificates(path:)``.
    public convenience init(pemFile path: String) throws(BGBTrustError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        let certificates = Self.derBlocks(inPEM: text)
        guard !certificates.isEmpty else { throw .noCertificates(path: path) }
        try self.init(certificates: certificates, source: path)
    }

    /// Trusts these certificates (DER).
    public init(certificates: [[UInt8]], source: String) throws(BGBTrustError) {
        guard !certificates.isEmpty else { throw .noCertificates(path: source) }
        guard let store = X509_STORE_new() else { throw .setupFailed("X509_STORE_new") }
        for der in certificates {
            guard let certificate = BGBCertificateInfo.parse(der) else {
                X509_STORE_free(store)
                throw .noCertificates(path: source)
            }
            let added = X509_STORE_add_cert(store, certificate)
            X509_free(certificate)
            guard added == 1 else {
                ERR_clear_error()
                X509_STORE_free(store)
                throw .setupFailed("a certificate of \(source) was refused")
            }
        }
        self.store = store
        self.certificates = certificates
        self.source = source
    }

    deinit { X509_STORE_free(store) }

    /// The DER of every `CERTIFICATE` block of a PEM text (other blocks are skipped).
    public static func derBlocks(inPEM text: String) -> [[UInt8]] {
        let begin = "-----BEGIN CERTIFICATE-----"
        let end = "-----END CERTIFICATE-----"
        var blocks: [[UInt8]] = []
        var rest = text[...]
        while let start = rest.range(of: begin), let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) {
            let base64 = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            if let der = Data(base64Encoded: String(base64)) { blocks.append(Array(der)) }
            rest = rest[stop.upperBound...]
        }
        return blocks
    }

    /// Whom a checked certificate must be meant for (its Extended Key Usage, when it has one).
    public enum Purpose: Sendable {
        /// TLS Web Server Authentication (1.3.6.1.5.5.7.3.1): an MP.
        case server
        /// TLS Web Client Authentication (1.3.6.1.5.5.7.3.2): a PKI client certificate.
        case client
    }

    /// Nil when `chain` (leaf first, DER) chains to these roots, is valid now, is meant for
    /// `purpose` and names `hostname` (a DNS name or an IP address; nil: not checked); else why not.
    public func check(chain: [[UInt8]], hostname: String?, purpose: Purpose = .server) -> String? {
        guard let leafDER = chain.first, let leaf = BGBCertificateInfo.parse(leafDER) else {
            return "no certificate presented"
        }
        defer { X509_free(leaf) }
        guard let untrusted = CNIOBoringSSLShims_sk_X509_new_null() else { return "out of memory" }
        defer { CNIOBoringSSLShims_sk_X509_pop_free(untrusted, X509_free) }
        for der in chain.dropFirst() {
            guard let certificate = BGBCertificateInfo.parse(der) else { continue }
            if CNIOBoringSSLShims_sk_X509_push(untrusted, certificate) == 0 { X509_free(certificate) }
        }
        guard let context = X509_STORE_CTX_new() else { return "out of memory" }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf, untrusted) == 1 else {
            ERR_clear_error()
            return "the verification could not start"
        }
        _ = X509_STORE_CTX_set_purpose(context, purpose == .server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT)
        if let hostname, let parameters = X509_STORE_CTX_get0_param(context) {
            if BGBTLSOptions.isIPAddress(hostname) {
                _ = X509_VERIFY_PARAM_set1_ip_asc(parameters, hostname)
            } else {
                _ = X509_VERIFY_PARAM_set1_host(parameters, hostname, hostname.utf8.count)
            }
        }
        if X509_verify_cert(context) == 1 { return nil }
        let code = X509_STORE_CTX_get_error(context)
        ERR_clear_error()
        let text = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
        return "\(text) (CA file \(source))"
    }

    public static func == (lhs: BGBTrustRoots, rhs: BGBTrustRoots) -> Bool {
        lhs.certificates == rhs.certificates
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(certificates) }

    public var description: String {
        "\(source) (\(certificates.count) CA certificate\(certificates.count == 1 ? "" : "s"))"
    }
}
