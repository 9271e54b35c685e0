import COpenSSLCrypto
import Crypto

/// RSA through the system's OpenSSL 3 libcrypto, where it is faster than swift-crypto's BoringSSL
/// on this kind of machine (and, unlike BoringSSL in a debug build, always compiled optimised):
/// key generation for identity pools and PKCS#1 v1.5 SHA-256 signing. The results are ordinary
/// PKCS#8 keys and PKCS#1 v1.5 signatures that swift-crypto reads and verifies.
public enum OpenSSLRSA {
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        case keyGeneration
        case keyParsing
        case signing

        public var description: String {
            switch self {
            case .keyGeneration: "OpenSSL could not generate an RSA key"
            case .keyParsing: "OpenSSL could not parse the private key"
            case .signing: "OpenSSL could not sign"
            }
        }
    }

    /// A new RSA key (e = 65537) as PKCS#8 DER.
    public static func generatePKCS8(bits: Int = 2048) throws(Error) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        let length = bgb_rsa_generate_pkcs8(Int32(bits), &output)
        guard length > 0, let output else { throw .keyGeneration }
        defer { bgb_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }

    /// A parsed private key that signs without re-parsing. Not thread-safe to free while in use;
    /// signing from several threads at once is safe (OpenSSL 3 keys are immutable after loading).
    public final class SigningKey: @unchecked Sendable {
        let key: OpaquePointer
        public let signatureSize: Int

        /// Parses PKCS#8 or PKCS#1 DER.
        public init(derRepresentation der: [UInt8]) throws(Error) {
            guard let key = der.withUnsafeBufferPointer({ bgb_load_private_key($0.baseAddress, $0.count) }) else {
                throw .keyParsing
            }
            self.key = key
            self.signatureSize = Int(bgb_key_size_bytes(key))
        }

        deinit { bgb_free_key(key) }

        /// RSASSA-PKCS1-v1_5 with SHA-256 over `data`: the big-endian signature.
        public func signSHA256<Bytes: Sequence<UInt8>>(_ data: Bytes) throws(Error) -> [UInt8] {
            let digest = Array(SHA256.hash(data: Array(data)))
            var signature = [UInt8](repeating: 0, count: signatureSize)
            var length = signatureSize
            let ok = signature.withUnsafeMutableBufferPointer { output in
                digest.withUnsafeBufferPointer { digest in
                    bgb_rsa_sign_sha256_digest(key, digest.baseAddress, output.baseAddress, &length)
                }
            }
            guard ok == 1 else { throw .signing }
            return Array(signature.prefix(length))
        }

        /// The reversed-byte signature ConfigMgr writes (spec §4.5, §5.5).
        public func reversedSignatureSHA256<Bytes: Sequence<UInt8>>(_ data: Bytes) throws(Error) -> [UInt8] {
            Array(try signSHA256(data).reversed())
        }
    }
}
