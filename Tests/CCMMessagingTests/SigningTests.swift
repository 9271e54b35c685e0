import BGBProtocol
import CCMMessaging
import Crypto
import Foundation
import Testing
import _CryptoExtras

@Suite("Reversed-byte RSA signatures")
struct SigningTests {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    @Test("sign and verify with a generated RSA-2048 key; hex and base64 forms")
    func signVerify() throws {
        let data = Array("<BgbKeepAliveMessage TimeStamp=\"x\"/>".utf8)
        let reversed = try ReversedSignature.sign(data, with: Self.key)
        #expect(reversed.count == 256)
        #expect(ReversedSignature.isValid(reversed, for: data, publicKey: Self.key.publicKey))
        #expect(!ReversedSignature.isValid(reversed, for: data + [0x20], publicKey: Self.key.publicKey))
        #expect(!ReversedSignature.isValid(Array(reversed.reversed()), for: data, publicKey: Self.key.publicKey))

        // Independently computed: the big-endian PKCS#1 signature, reversed.
        let forward = try Self.key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        #expect(Array(forward.rawRepresentation) == Array(reversed.reversed()))
        let hex = ReversedSignature.hex(reversed)
        let expectedHex = forward.rawRepresentation.reversed().map { String(format: "%02X", $0) }.joined()
        #expect(hex == expectedHex)
        #expect(try ReversedSignature.bytes(fromHex: hex) == reversed)
        let base64 = ReversedSignature.base64(reversed)
        #expect(base64 == Data(forward.rawRepresentation.reversed()).base64EncodedString())
        #expect(base64.count == 344)
        #expect(try ReversedSignature.bytes(fromBase64: base64) == reversed)
    }

    @Test("SHA-1 signatures verify with the SHA-1 digest only")
    func sha1() throws {
        let data = Array("payload".utf8)
        let signature = try Self.key.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
        let reversed = Array(signature.rawRepresentation.reversed())
        #expect(ReversedSignature.isValid(reversed, for: data, publicKey: Self.key.publicKey, digest: .sha1))
        #expect(!ReversedSignature.isValid(reversed, for: data, publicKey: Self.key.publicKey, digest: .sha256))
    }

    @Test("registration requests signed here verify, under both HashAlgorithm OIDs")
    func registrationSignature() throws {
        for oid in [
            ClientRegistrationRequest.HashAlgorithmOID.sha256Digest,
            ClientRegistrationRequest.HashAlgorithmOID.sha256WithRSA,
        ] {
            var request = ClientRegistrationRequest(
                hashAlgorithm: oid,
                timeStamp: "2026-11-26T17:46:01Z",
                certificate: [0x30, 0x03, 0x02, 0x01, 0x00],
                netbiosName: "BGBSIM00001",
                fqName: "BGBSIM00001.sim.invalid"
            )
            try request.sign(with: Self.key)
            #expect(request.signatureValue.count == 512)
            let decoded = try ClientRegistrationRequest(xml: request.xml)
            #expect(decoded.verifySignature(publicKey: Self.key.publicKey) == .valid(.sha256))
        }
    }

    @Test("malformed signature text is a typed error")
    func malformed() {
        #expect(throws: ReversedSignature.Error.invalidHex("odd number of digits (3)")) {
            try ReversedSignature.bytes(fromHex: "ABC")
        }
        #expect(throws: ReversedSignature.Error.invalidHex("character at offset 1")) {
            try ReversedSignature.bytes(fromHex: "AZ")
        }
        #expect(throws: ReversedSignature.Error.invalidBase64) { try ReversedSignature.bytes(fromBase64: "abc") }
        #expect(throws: ReversedSignature.Error.invalidBase64) { try ReversedSignature.bytes(fromBase64: "ab=c") }
    }
}
