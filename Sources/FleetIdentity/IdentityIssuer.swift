import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A CA that issues identities' client certificates (`identities generate --ca-cert CA.pem
/// --ca-key CA.key`), as a PKI site's CA does: the certificate carries the Client Authentication
/// EKU (1.3.6.1.5.5.7.3.2) a PKI MP requires, instead of the self-signed SMS certificate's.
public struct IdentityIssuer: Sendable {
    public let certificate: Certificate
    let key: Certificate.PrivateKey
    let signatureAlgorithm: Certificate.SignatureAlgorithm

    /// Client Authentication, the EKU a PKI client certificate carries.
    public static let clientAuthentication = ExtendedKeyUsage.Usage.clientAuth

    /// Reads and checks the CA: both files readable and PEM, the key belongs to the certificate,
    /// the certificate is a CA (basicConstraints) and valid at `now`.
    /// - Throws: ``IdentityIssuerError`` naming the file.
    public static func load(certificateFile: String, keyFile: String, now: Date = Date()) throws(IdentityIssuerError) -> IdentityIssuer {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: try read(certificateFile))
        } catch let error as IdentityIssuerError {
            throw error
        } catch {
            throw .unusable(path: certificateFile, reason: "not a PEM certificate: \(error)")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: try read(keyFile))
        } catch let error as IdentityIssuerError {
            throw error
        } catch {
            throw .unusable(path: keyFile, reason: "not a PEM private key (RSA, P-256, P-384): \(error)")
        }
        guard key.publicKey == certificate.publicKey else {
            throw .unusable(path: keyFile, reason: "this key does not belong to \(certificateFile)")
        }
        guard case .isCertificateAuthority? = try? certificate.extensions.basicConstraints else {
            throw .unusable(path: certificateFile, reason: "not a CA certificate (basicConstraints cA is not set)")
        }
        guard certificate.notValidBefore <= now, now < certificate.notValidAfter else {
            throw .unusable(path: certificateFile, reason: "not valid now (valid \(certificate.notValidBefore) to \(certificate.notValidAfter))")
        }
        let algorithms = key.supportedSignatureAlgorithms
        let preferred: [Certificate.SignatureAlgorithm] = [.sha256WithRSAEncryption, .ecdsaWithSHA256, .ecdsaWithSHA384]
        let algorithm = preferred.first { algorithms.contains($0) } ?? algorithms.first
        guard let algorithm else { throw .unusable(path: keyFile, reason: "no signature algorithm for this key") }
        return IdentityIssuer(certificate: certificate, key: key, signatureAlgorithm: algorithm)
    }

    private static func read(_ path: String) throws(IdentityIssuerError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unusable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read it (permissions?)" : "no such file")
        }
        return text
    }

    /// A client authentication certificate for `publicKey`: subject `CN=<dnsName>` with the same
    /// DNS name as subjectAltName, a random serial, valid from a day ago for a year (never past
    /// the CA's own end), keyUsage digitalSignature + keyEncipherment, EKU Client Authentication.
    public func issue(publicKey: Certificate.PublicKey, dnsName: String, now: Date = Date()) throws -> [UInt8] {
        let wholeSeconds = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let certificate = try Certificate(
            version: .v3,
            serialNumber: SMSCertificate.randomSerialNumber(),
            publicKey: publicKey,
            notValidBefore: wholeSeconds.addingTimeInterval(-86_400),
            notValidAfter: min(SMSCertificate.oneYear(after: wholeSeconds), self.certificate.notValidAfter),
            issuer: self.certificate.subject,
            subject: try DistinguishedName { CommonName(dnsName) },
            signatureAlgorithm: signatureAlgorithm,
            extensions: try Certificate.Extensions {
                KeyUsage(digitalSignature: true, keyEncipherment: true)
                try ExtendedKeyUsage([Self.clientAuthentication])
                SubjectAlternativeNames([.dnsName(dnsName)])
            },
            issuerPrivateKey: key
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}

/// A CA (or a PKI certificate) that cannot be used, naming the file.
public enum IdentityIssuerError: Error, Hashable, Sendable, CustomStringConvertible {
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unusable(let path, let reason): "\(path): \(reason)"
        }
    }
}
