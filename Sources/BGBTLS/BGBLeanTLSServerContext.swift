internal import CNIOBoringSSL

/// One TLS server context shared by every lean TLS session of a listener (``BGBLeanTLSHandler``
/// in server mode): the simulator's TCP 10123 listener.
///
/// As on the client side (``BGBLeanTLSContext``) the context is built once and each connection
/// costs only BoringSSL's own state: the server's certificate chain and key live here (DER in
/// `CRYPTO_BUFFER`s, shed by each connection once its handshake completes), BoringSSL releases its
/// record buffers while idle, there is no session cache and no tickets, and of the client's
/// certificate only digests are kept after the handshake (its SHA-1, for the SignIn thumbprint
/// check, is kept by the handler: ``BGBLeanTLSHandler/peerCertificateSHA1``).
///
/// Mutual TLS: the client's certificate is requested, and required unless
/// ``ClientCertificate/optional``. Any certificate is accepted unless a ``clientCertificateVerifier``
/// refuses it; a refusal fails the handshake with a `certificate_unknown` alert, as NIOSSL sends.
public final class BGBLeanTLSServerContext: @unchecked Sendable {
    /// Whether a client must present a certificate.
    public enum ClientCertificate: Sendable, Hashable {
        /// The handshake fails (`handshake_failure` alert) without one.
        case required
        /// Requested; a client without one still completes the handshake.
        case optional
    }

    /// Judges the client's certificate chain (DER, leaf first) during the handshake: true accepts it.
    public typealias ClientCertificateVerifier = @Sendable (_ chain: [[UInt8]]) -> Bool

    // Immutable after init; BoringSSL's SSL_CTX is safe to share across threads once configured.
    let context: OpaquePointer
    let pool: OpaquePointer
    /// Nil: any client certificate is accepted.
    let clientCertificateVerifier: ClientCertificateVerifier?

    /// - Parameters:
    ///   - certificateChainDER: the server's certificate first, then its issuing chain (DER).
    ///   - privateKeyPEM: the server's key (PEM: PKCS#1, PKCS#8 or SEC1; RSA or EC).
    ///   - minimumVersion, maximumVersion: the protocol versions accepted.
    ///   - cipherList: the TLS 1.2-and-earlier suites in OpenSSL syntax (nil: BoringSSL's defaults);
    ///     TLS 1.3's suites are fixed.
    ///   - clientCertificate: required or optional.
    ///   - clientCertificateVerifier: nil to accept any client certificate.
    /// - Throws: ``BGBLeanTLSError`` (``BGBLeanTLSError/Kind/badCredentials`` for a certificate or
    ///   key BoringSSL cannot use, ``BGBLeanTLSError/Kind/setupFailed`` for a refused setting).
    public init(
        certificateChainDER: [[UInt8]],
        privateKeyPEM: String,
        minimumVersion: BGBTLSOptions.Version = .tls10,
        maximumVersion: BGBTLSOptions.Version = .tls13,
        cipherList: String? = nil,
        clientCertificate: ClientCertificate = .required,
        clientCertificateVerifier: ClientCertificateVerifier? = nil
    ) throws {
        precondition(!certificateChainDER.isEmpty, "a TLS server needs a certificate")
        self.clientCertificateVerifier = clientCertificateVerifier
        (context, pool) = try BGBLeanTLSContext.makeLeanContext(minimumVersion: minimumVersion, maximumVersion: maximumVersion)
        if let cipherList, SSL_CTX_set_strict_cipher_list(context, cipherList) != 1 {
            throw BGBLeanTLSError.drainingErrorQueue(.setupFailed)
        }
        try Self.loadCredentials(into: context, chain: certificateChainDER, keyPEM: privateKeyPEM)
        // The client's certificate is hashed during the handshake and dropped when it completes.
        SSL_CTX_set_retain_only_sha256_of_client_certs(context, 1)
        let mode = SSL_VERIFY_PEER | (clientCertificate == .required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0)
        SSL_CTX_set_custom_verify(context, mode) { ssl, _ in
            // The connection's handler is the BIO's owner (set before the handshake starts).
            guard let ssl, let bio = SSL_get_rbio(ssl), let owner = BIO_get_data(bio) else { return ssl_verify_invalid }
            let handler = Unmanaged<BGBLeanTLSHandler>.fromOpaque(owner).takeUnretainedValue()
            // BoringSSL sends certificate_unknown on ssl_verify_invalid (out_alert's default).
            return handler.verifyClientCertificate(ssl: ssl) ? ssl_verify_ok : ssl_verify_invalid
        }
    }

    private static func loadCredentials(into context: OpaquePointer, chain: [[UInt8]], keyPEM: String) throws {
        let key: OpaquePointer? = Array(keyPEM.utf8).withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, bytes.count) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw BGBLeanTLSError.drainingErrorQueue(.badCredentials) }
        defer { EVP_PKEY_free(key) }
        var buffers: [OpaquePointer?] = []
        defer { for buffer in buffers { CRYPTO_BUFFER_free(buffer) } }
        for der in chain {
            let buffer = der.withUnsafeBufferPointer { CRYPTO_BUFFER_new($0.baseAddress, $0.count, nil) }
            guard let buffer else { throw BGBLeanTLSError.drainingErrorQueue(.badCredentials) }
            buffers.append(buffer)
        }
        guard SSL_CTX_set_chain_and_key(context, &buffers, buffers.count, key, nil) == 1 else {
            throw BGBLeanTLSError.drainingErrorQueue(.badCredentials)
        }
    }

    deinit {
        SSL_CTX_free(context)
        CRYPTO_BUFFER_POOL_free(pool)
    }
}
