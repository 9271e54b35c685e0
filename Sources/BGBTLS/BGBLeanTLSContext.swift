internal import CNIOBoringSSL

/// One TLS client context shared by every lean TLS session of a run (``BGBLeanTLSHandler``).
///
/// The per-connection cost is what makes a fleet of 19,000 sessions per process fit: NIOSSL builds
/// one `SSL_CTX` per client certificate and keeps a 32 KiB read buffer and a 16 KiB BIO buffer per
/// connection. This context is built once; each connection sets its own certificate and key on its
/// `SSL` and sheds them when the handshake completes, certificates stay DER (`CRYPTO_BUFFER`, the
/// server's deduplicated across connections by a buffer pool, no parsed `X509`), BoringSSL
/// releases its record buffers while idle, and there is no session cache. An idle connection costs
/// about 4 KiB inside BoringSSL.
///
/// It supports every server validation: none (the SDK's default), a pinned certificate, and a
/// ``BGBServerTrust`` (CA chain + host name, pinned public keys), checked by the handler when the
/// handshake completes, before anything is sent.
public final class BGBLeanTLSContext: @unchecked Sendable {
    // Immutable after init; BoringSSL's SSL_CTX is safe to share across threads once configured.
    let context: OpaquePointer
    let pool: OpaquePointer
    /// The DER of the only server certificate accepted, or nil to accept any (the SDK's default).
    public let pinnedServerCertificate: [UInt8]?
    /// The CA roots and/or public-key pins the server's chain must satisfy (nil: not checked).
    public let serverTrust: BGBServerTrust?

    /// - Throws: ``BGBLeanTLSError`` when BoringSSL refuses a setting.
    public init(options: BGBTLSOptions) throws {
        switch options.serverValidation {
        case .none: (pinnedServerCertificate, serverTrust) = (nil, nil)
        case .pinned(let der): (pinnedServerCertificate, serverTrust) = (der, nil)
        case .verified(let trust): (pinnedServerCertificate, serverTrust) = (nil, trust)
        }
        (context, pool) = try Self.makeLeanContext(minimumVersion: options.minimumVersion, maximumVersion: options.maximumVersion)
        // Certificates arrive as CRYPTO_BUFFERs: accept any here; a pinned certificate or the
        // server trust is checked by the handler when the handshake completes, before anything is sent.
        SSL_CTX_set_custom_verify(context, SSL_VERIFY_PEER) { _, _ in ssl_verify_ok }
    }

    deinit {
        SSL_CTX_free(context)
        CRYPTO_BUFFER_POOL_free(pool)
    }

    /// An `SSL_CTX` as both lean contexts (client and server) start: certificates as
    /// `CRYPTO_BUFFER`s deduplicated by a pool, the versions given, no session cache, no tickets.
    /// The caller frees both (its `deinit`).
    static func makeLeanContext(
        minimumVersion: BGBTLSOptions.Version,
        maximumVersion: BGBTLSOptions.Version
    ) throws -> (context: OpaquePointer, pool: OpaquePointer) {
        guard let method = TLS_with_buffers_method(), let context = SSL_CTX_new(method) else {
            throw BGBLeanTLSError.drainingErrorQueue(.setupFailed)
        }
        guard let pool = CRYPTO_BUFFER_POOL_new() else {
            SSL_CTX_free(context)
            throw BGBLeanTLSError.drainingErrorQueue(.setupFailed)
        }
        SSL_CTX_set0_buffer_pool(context, pool)
        guard SSL_CTX_set_min_proto_version(context, minimumVersion.wireVersion) == 1,
            SSL_CTX_set_max_proto_version(context, maximumVersion.wireVersion) == 1
        else {
            SSL_CTX_free(context)
            CRYPTO_BUFFER_POOL_free(pool)
            throw BGBLeanTLSError.drainingErrorQueue(.setupFailed)
        }
        _ = SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF)
        _ = SSL_CTX_set_options(context, UInt32(SSL_OP_NO_TICKET))
        return (context, pool)
    }
}

extension BGBTLSOptions {
    /// The shared lean context for these options, or nil when the engine is NIOSSL.
    public func makeLeanContext() throws -> BGBLeanTLSContext? {
        guard engine == .lean else { return nil }
        return try BGBLeanTLSContext(options: self)
    }
}

extension BGBTLSOptions.Version {
    /// The protocol version number on the wire (0x0301 for TLS 1.0 …).
    var wireVersion: UInt16 {
        switch self {
        case .tls10: UInt16(TLS1_VERSION)
        case .tls11: UInt16(TLS1_1_VERSION)
        case .tls12: UInt16(TLS1_2_VERSION)
        case .tls13: UInt16(TLS1_3_VERSION)
        }
    }
}
