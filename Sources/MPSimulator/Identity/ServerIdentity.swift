import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras

/// The simulator's TLS server certificate (RSA-2048 as an MP's, or P-256): self-signed, generated
/// once into the state directory (`mp-sim-certificate.pem`, `mp-sim-key.pem`; `mp-sim-p256-*.pem`
/// for P-256; mode 0600) and reused by later starts.
struct ServerIdentity: Sendable {
    let certificateDER: [UInt8]
    let privateKeyPEM: String
    let keyType: MPSimulatorConfiguration.ServerKeyType
    /// SHA-1 of the DER, upper-case hex.
    let thumbprint: String
    /// The issuing chain sent after the certificate (DER; empty for the self-signed one).
    var chainDER: [[UInt8]] = []

    static func certificateFile(_ keyType: MPSimulatorConfiguration.ServerKeyType) -> String {
        keyType == .rsa2048 ? "mp-sim-certificate.pem" : "mp-sim-p256-certificate.pem"
    }

    static func keyFile(_ keyType: MPSimulatorConfiguration.ServerKeyType) -> String {
        keyType == .rsa2048 ? "mp-sim-key.pem" : "mp-sim-p256-key.pem"
    }

    private static let cache = NIOLockedValueBox<[String: ServerIdentity]>([:])

    /// Loads the identity from `directory`, creating it there when missing (once per process).
    static func loadOrCreate(directory: String, keyType: MPSimulatorConfiguration.ServerKeyType = .rsa2048) throws -> ServerIdentity {
        try cache.withLockedValue { cache in
            let cacheKey = directory + "/" + keyType.rawValue
            if let identity = cache[cacheKey] { return identity }
            let identity = try load(directory: directory, keyType: keyType) ?? create(directory: directory, keyType: keyType)
            cache[cacheKey] = identity
            return identity
        }
    }

    private static func load(directory: String, keyType: MPSimulatorConfiguration.ServerKeyType) throws -> ServerIdentity? {
        let certificatePath = directory + "/" + certificateFile(keyType)
        let keyPath = directory + "/" + keyFile(keyType)
        guard FileManager.default.fileExists(atPath: certificatePath), FileManager.default.fileExists(atPath: keyPath)
        else { return nil }
        do {
            let certificatePEM = try String(contentsOfFile: certificatePath, encoding: .utf8)
            let keyPEM = try String(contentsOfFile: keyPath, encoding: .utf8)
            let certificate = try Certificate(pemEncoded: certificatePEM)
            switch keyType {
            case .rsa2048: _ = try _RSA.Signing.PrivateKey(pemRepresentation: keyPEM)
            case .p256: _ = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            }
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return ServerIdentity(certificateDER: serializer.serializedBytes, privateKeyPEM: keyPEM, keyType: keyType)
        } catch {
            // A damaged pair is replaced rather than failing every start.
            return nil
        }
    }

    private static func create(directory: String, keyType: MPSimulatorConfiguration.ServerKeyType) throws -> ServerIdentity {
        let publicKey: Certificate.PublicKey
        let signingKey: Certificate.PrivateKey
        let signatureAlgorithm: Certificate.SignatureAlgorithm
        let keyPEM: String
        switch keyType {
        case .rsa2048:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            (publicKey, signingKey, signatureAlgorithm, keyPEM) =
                (Certificate.PublicKey(key.publicKey), Certificate.PrivateKey(key), .sha256WithRSAEncryption, key.pemRepresentation)
        case .p256:
            let key = P256.Signing.PrivateKey()
            (publicKey, signingKey, signatureAlgorithm, keyPEM) =
                (Certificate.PublicKey(key.publicKey), Certificate.PrivateKey(key), .ecdsaWithSHA256, key.pemRepresentation)
        }
        let name = try DistinguishedName {
            CommonName("bgbfleet MP simulator")
            OrganizationName("bgbfleet")
        }
        let now = Date()
        var serial = [UInt8]((0..<16).map { _ in UInt8.random(in: 0...255) })
        serial[0] &= 0x7F
        serial[0] |= 0x01
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: serial),
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: signatureAlgorithm,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                KeyUsage(digitalSignature: true, keyEncipherment: true)
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: signingKey
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let identity = ServerIdentity(certificateDER: serializer.serializedBytes, privateKeyPEM: keyPEM, keyType: keyType)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try writeAtomically(try certificate.serializeAsPEM().pemString, to: directory + "/" + certificateFile(keyType))
        try writeAtomically(identity.privateKeyPEM, to: directory + "/" + keyFile(keyType))
        return identity
    }

    private static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(
            atPath: temporary,
            contents: Data(text.utf8),
            attributes: [.posixPermissions: 0o600]
        ) else {
            throw MPSimulatorError.stateDirectory("cannot write \(temporary)")
        }
        if rename(temporary, path) != 0 {
            unlink(temporary)
            throw MPSimulatorError.stateDirectory("cannot rename \(temporary) to \(path) (errno \(errno))")
        }
    }

    init(certificateDER: [UInt8], privateKeyPEM: String, keyType: MPSimulatorConfiguration.ServerKeyType = .rsa2048) {
        self.certificateDER = certificateDER
        self.privateKeyPEM = privateKeyPEM
        self.keyType = keyType
        self.thumbprint = ClientCertificate.thumbprint(of: certificateDER)
    }

    /// The TLS server configuration of spec §2.2: TLS min…max, RSA suites including the TLS 1.0
    /// CBC ones (their ECDSA counterparts for a P-256 key), a client certificate requested (required or optional) and accepted whatever it is.
    func tlsConfiguration(_ configuration: MPSimulatorConfiguration) throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: certificateDER, format: .der)
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        let chain = try chainDER.map { NIOSSLCertificateSource.certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)] + chain,
            privateKey: .privateKey(key)
        )
        tls.minimumTLSVersion = Self.nioVersion(configuration.tlsMinimumVersion)
        tls.maximumTLSVersion = Self.nioVersion(configuration.tlsMaximumVersion)
        tls.cipherSuites = cipherList
        switch configuration.clientCertificate {
        case _ where configuration.clientCAFile != nil: tls.certificateVerification = .noHostnameVerification
        case .required: tls.certificateVerification = .noHostnameVerification
        case .optional: tls.certificateVerification = .optionalVerification
        }
        tls.sendCANameList = false
        return tls
    }

    /// The TLS 1.0–1.2 suites offered (OpenSSL syntax): RSA suites including the TLS 1.0 CBC ones,
    /// or their ECDSA counterparts for a P-256 key. Both TLS engines use this list.
    var cipherList: String {
        switch keyType {
        case .rsa2048:
            [
                "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
                "ECDHE-RSA-AES256-SHA", "ECDHE-RSA-AES128-SHA", "AES256-SHA", "AES128-SHA",
            ].joined(separator: ":")
        case .p256:
            [
                "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
                "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA",
            ].joined(separator: ":")
        }
    }

    static func nioVersion(_ version: MPSimulatorConfiguration.TLSProtocolVersion) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
