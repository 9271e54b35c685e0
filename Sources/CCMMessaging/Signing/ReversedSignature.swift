import Crypto
import Foundation
import _CryptoExtras

/// RSASSA-PKCS1-v1_5 signatures in CryptoAPI (reversed, little-endian) byte order, as ConfigMgr
/// writes them: upper-case hex in registration `<SignatureValue>` (spec §5.5), base64 in the HTTP
/// BGB `PayloadSignature` (spec §4.5).
public enum ReversedSignature {
    /// The digest a signature is made over.
    public enum Digest: String, Hashable, Sendable, CaseIterable {
        case sha256
        case sha1
    }

    /// Why a signature could not be checked.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        case invalidHex(String)
        case invalidBase64
        case unsupportedKey(String)

        public var description: String {
            switch self {
            case .invalidHex(let reason): "signature is not hexadecimal: \(reason)"
            case .invalidBase64: "signature is not base64"
            case .unsupportedKey(let reason): "cannot verify with this key: \(reason)"
            }
        }
    }

    /// Signs `data` with SHA-256 and returns the signature bytes reversed.
    public static func sign(_ data: some DataProtocol, with key: _RSA.Signing.PrivateKey) throws -> [UInt8] {
        let signature = try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        return Array(signature.rawRepresentation.reversed())
    }

    /// Verifies reversed signature bytes over `data` with the given digest.
    public static func isValid(
        _ reversed: [UInt8],
        for data: some DataProtocol,
        publicKey: _RSA.Signing.PublicKey,
        digest: Digest = .sha256
    ) -> Bool {
        let signature = _RSA.Signing.RSASignature(rawRepresentation: Array(reversed.reversed()))
        switch digest {
        case .sha256:
            return publicKey.isValidSignature(signature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case .sha1:
            return publicKey.isValidSignature(
                signature,
                for: Insecure.SHA1.hash(data: data),
                padding: .insecurePKCS1v1_5
            )
        }
    }

    /// Upper-case hex, as in `<SignatureValue>`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses hex of any case.
    public static func bytes(fromHex text: String) throws(Error) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { throw .invalidHex("odd number of digits (\(utf8.count))") }
        var output = [UInt8]()
        output.reserveCapacity(utf8.count / 2)
        func value(_ digit: UInt8, _ offset: Int) throws(Error) -> UInt8 {
            switch digit {
            case 0x30...0x39: return digit - 0x30
            case 0x41...0x46: return digit - 0x41 + 10
            case 0x61...0x66: return digit - 0x61 + 10
            default: throw .invalidHex("character at offset \(offset)")
            }
        }
        for index in stride(from: 0, to: utf8.count, by: 2) {
            output.append(try value(utf8[index], index) << 4 | value(utf8[index + 1], index + 1))
        }
        return output
    }

    /// Standard base64 with `=` padding and no line breaks, as in `PayloadSignature`.
    public static func base64(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes)
    }

    /// Decodes standard base64.
    public static func bytes(fromBase64 text: String) throws(Error) -> [UInt8] {
        guard let bytes = Base64.decode(text) else { throw .invalidBase64 }
        return bytes
    }

    /// The PayloadSignature value for an HTTP BGB payload: base64 of the reversed SHA-256 signature.
    public static func payloadSignature(for payload: some DataProtocol, with key: _RSA.Signing.PrivateKey) throws
        -> String
    {
        base64(try sign(payload, with: key))
    }
}
