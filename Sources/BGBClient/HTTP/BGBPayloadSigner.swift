import BGBProtocol
import CCMMessaging
import Crypto
import NIOCore
import _CryptoExtras

/// Signs HTTP Continue payloads for the `<Message>` header's `PayloadSignature` (spec §4.5):
/// base64 of the byte-reversed signature of the payload bytes.
///
/// RSA keys sign with RSASSA-PKCS1-v1_5 + SHA-256, exactly as the SDK. P-256 keys sign with
/// ECDSA + SHA-256 (raw `r‖s`, reversed), which the MP simulator verifies but ConfigMgr does not
/// use: a real MP needs RSA identities.
public struct BGBPayloadSigner: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    let key: Key

    /// Signs with an RSA key (what ConfigMgr does).
    public init(rsa key: _RSA.Signing.PrivateKey) {
        self.key = .rsa(key)
    }

    /// Signs with a P-256 key (simulator-only).
    public init(p256 key: P256.Signing.PrivateKey) {
        self.key = .p256(key)
    }

    /// A signer from a private key in DER: PKCS#8 or PKCS#1 (RSA), PKCS#8 or SEC1 (P-256).
    public init(privateKeyDER der: [UInt8]) throws(BGBPayloadSignerError) {
        if let key = try? _RSA.Signing.PrivateKey(derRepresentation: der) {
            self.key = .rsa(key)
        } else if let key = try? P256.Signing.PrivateKey(derRepresentation: der) {
            self.key = .p256(key)
        } else {
            throw .unsupportedKey
        }
    }

    /// Whether this is an RSA key, the only kind a real MP is known to accept.
    public var isRSA: Bool {
        if case .rsa = key { return true }
        return false
    }

    /// The `PayloadSignature` value for `payload` (the message bytes exactly as sent).
    public func signature(for payload: ByteBuffer) throws -> String {
        try payload.withUnsafeReadableBytes { bytes in
            switch key {
            case .rsa(let key):
                return try ReversedSignature.payloadSignature(for: bytes, with: key)
            case .p256(let key):
                let signature = try key.signature(for: SHA256.hash(data: bytes))
                return ReversedSignature.base64(Array(signature.rawRepresentation.reversed()))
            }
        }
    }
}

/// Why a ``BGBPayloadSigner`` could not be made.
public enum BGBPayloadSignerError: Error, Hashable, Sendable, CustomStringConvertible {
    case unsupportedKey

    public var description: String {
        switch self {
        case .unsupportedKey: "the private key is neither RSA nor P-256 (PKCS#8, PKCS#1 or SEC1 DER)"
        }
    }
}
