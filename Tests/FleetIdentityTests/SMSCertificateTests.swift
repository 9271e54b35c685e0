import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@testable import FleetIdentity

@Suite struct SMSCertificateTests {
    /// The subject/issuer DER of the SDK's vector certificate: CN=ConfigMgr Client as PrintableString.
    static let vectorNameDER: [UInt8] = Array(hex: "301b3119301706035504031310436f6e6669674d677220436c69656e74")
    /// The extendedKeyUsage value DER of the vector certificate.
    static let vectorEKUValue: [UInt8] = Array(hex: "301506092b060104018237650206082b06010401823765")

    /// Checks every §6.1 field shared by both key types.
    func checkProfile(_ sms: SMSCertificate, now: Date) throws -> Certificate {
        let certificate = try sms.certificate()
        #expect(certificate.version == .v3)

        var serializer = DER.Serializer()
        try serializer.serialize(certificate.subject)
        #expect(serializer.serializedBytes == Self.vectorNameDER)
        #expect(certificate.subject == certificate.issuer)
        #expect(certificate.subject.description == "CN=ConfigMgr Client")

        let serial = Array(certificate.serialNumber.bytes)
        #expect(serial.count == 16)
        #expect(serial[0] & 0x80 == 0, "serial must be a positive INTEGER")
        #expect(serial[0] != 0, "no leading zero byte: exactly 16 significant bytes")

        let second = now.timeIntervalSince1970.rounded(.down)
        #expect(certificate.notValidBefore.timeIntervalSince1970 == second - 86_400)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let expectedEnd = utc.date(byAdding: .year, value: 1, to: Date(timeIntervalSince1970: second))!
        #expect(certificate.notValidAfter == expectedEnd)

        let extensions = Array(certificate.extensions)
        #expect(extensions.map(\.oid) == [.X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage])
        #expect(extensions.allSatisfy { !$0.critical })
        #expect(Array(extensions[0].value) == [0x03, 0x02, 0x04, 0x90])
        #expect(Array(extensions[0].value) == SMSCertificate.keyUsageDER)
        let keyUsage = try KeyUsage(extensions[0])
        #expect(keyUsage == KeyUsage(digitalSignature: true, dataEncipherment: true))
        #expect(Array(extensions[1].value) == Self.vectorEKUValue)
        let eku = try ExtendedKeyUsage(extensions[1])
        #expect(eku.map { ASN1ObjectIdentifier($0) } == [[1, 3, 6, 1, 4, 1, 311, 101, 2], [1, 3, 6, 1, 4, 1, 311, 101]])

        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(try sms.privateKey().publicKey == certificate.publicKey)

        let sha1 = Insecure.SHA1.hash(data: sms.certificateDER).map { String(format: "%02X", $0) }.joined()
        #expect(sms.thumbprint == sha1)
        #expect(sms.thumbprint.count == 40)
        return certificate
    }

    @Test func rsa2048FollowsTheProfile() throws {
        let now = Date()
        let sms = try SMSCertificate.generate(keyType: .rsa2048, now: now)
        let certificate = try checkProfile(sms, now: now)
        #expect(certificate.signatureAlgorithm == .sha256WithRSAEncryption)
        let rsa = try #require(_RSA.Signing.PublicKey(certificate.publicKey))
        #expect(rsa.keySizeInBits == 2048)
        #expect(Array(try rsa.getKeyPrimitives().publicExponent) == [0x01, 0x00, 0x01])
        // The stored key is PKCS#8 (what Certificate.PrivateKey(derBytes:) reads).
        #expect(try _RSA.Signing.PrivateKey(derRepresentation: sms.privateKeyDER).publicKey.derRepresentation
            == rsa.derRepresentation)
        // Same shape as the SDK's 755-byte certificate: only serial, validity, key, signature vary.
        #expect(sms.certificateDER.count == 755)
    }

    @Test func p256FollowsTheProfile() throws {
        let now = Date(timeIntervalSince1970: 1_795_715_159.75)  // 2026-11-26T17:45:59.75Z
        let sms = try SMSCertificate.generate(keyType: .p256, now: now)
        let certificate = try checkProfile(sms, now: now)
        #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil)
        // The vector's window for a certificate made then.
        #expect(certificate.notValidBefore == ISO8601DateFormatter().date(from: "2026-11-25T17:45:59Z"))
        #expect(certificate.notValidAfter == ISO8601DateFormatter().date(from: "2027-11-26T17:45:59Z"))
    }

    @Test func certificatesAreUnique() throws {
        let a = try SMSCertificate.generate(keyType: .p256)
        let b = try SMSCertificate.generate(keyType: .p256)
        #expect(a.thumbprint != b.thumbprint)
        #expect(try a.certificate().serialNumber != b.certificate().serialNumber)
        #expect(a.privateKeyDER != b.privateKeyDER)
    }

    @Test func thumbprintOfKnownBytes() {
        // SHA-1("abc")
        #expect(SMSCertificate.thumbprint(ofDER: Array("abc".utf8)) == "A9993E364706816ABA3E25717850C26C9CD0D89D")
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes = [UInt8]()
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String([high, low]), radix: 16)!)
        }
        self = bytes
    }
}
