import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras

/// Client certificates issued by a site's CA, brought into a pool (`identities import`): from a
/// PFX (PKCS#12, password from an environment variable) or a PEM certificate and key. Each is
/// checked before anything is written: the key belongs to the certificate, the certificate allows
/// Client Authentication (EKU 1.3.6.1.5.5.7.3.2) and is valid now, the key is RSA (2048 bits or
/// more) or P-256.
public enum PKICertificateImport {
    /// A PEM certificate (the first block; a chain after it is ignored) and its PEM private key.
    public static func certificate(pemFile: String, keyFile: String, now: Date = Date()) throws(IdentityIssuerError) -> SMSCertificate {
        let certificateText = try readText(pemFile)
        guard let block = BGBPEM.firstCertificateBlock(certificateText) else {
            throw .unusable(path: pemFile, reason: "no PEM certificate in it")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: block)
        } catch {
            throw .unusable(path: pemFile, reason: "the certificate does not parse: \(error)")
        }
        let keyText = try readText(keyFile)
        let keyDER: [UInt8]
        do {
            keyDER = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem).derBytes
        } catch {
            throw .unusable(path: keyFile, reason: "not a PEM private key (an encrypted one is not supported: use a PFX)")
        }
        return try make(certificate: certificate, keyDER: keyDER, path: pemFile, now: now)
    }

    /// The leaf certificate and key of a PFX (PKCS#12) file.
    public static func certificate(pfxFile: String, password: String, now: Date = Date()) throws(IdentityIssuerError) -> SMSCertificate {
        guard FileManager.default.isReadableFile(atPath: pfxFile) else {
            throw .unusable(path: pfxFile, reason: FileManager.default.fileExists(atPath: pfxFile) ? "cannot read it (permissions?)" : "no such file")
        }
        let bundle: NIOSSLPKCS12Bundle
        do {
            bundle = try NIOSSLPKCS12Bundle(file: pfxFile, passphrase: Array(password.utf8))
        } catch {
            throw .unusable(path: pfxFile, reason: "cannot open the PFX: wrong password, or not a PKCS#12 file")
        }
        guard let leaf = bundle.certificateChain.first else { throw .unusable(path: pfxFile, reason: "the PFX holds no certificate") }
        do {
            let certificate = try Certificate(derEncoded: try leaf.toDERBytes())
            return try make(certificate: certificate, keyDER: try bundle.privateKey.derBytes, path: pfxFile, now: now)
        } catch let error as IdentityIssuerError {
            throw error
        } catch {
            throw .unusable(path: pfxFile, reason: "the PFX's certificate or key does not parse: \(error)")
        }
    }

    /// The PFX files of a directory (`*.pfx`, `*.p12`), sorted, or the file itself.
    public static func pfxFiles(at path: String) throws(IdentityIssuerError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .unusable(path: path, reason: "no such file") }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw .unusable(path: path, reason: "cannot list the directory")
        }
        let files = names.filter { $0.lowercased().hasSuffix(".pfx") || $0.lowercased().hasSuffix(".p12") }.sorted().map { path + "/" + $0 }
        guard !files.isEmpty else { throw .unusable(path: path, reason: "no .pfx or .p12 file in the directory") }
        return files
    }

    /// Checks the pair and stores the key as PKCS#8 DER.
    static func make(certificate: Certificate, keyDER: [UInt8], path: String, now: Date) throws(IdentityIssuerError) -> SMSCertificate {
        let keyType: IdentityKeyType
        let publicKey: Certificate.PublicKey
        let pkcs8: [UInt8]
        if let key = try? _RSA.Signing.PrivateKey(derRepresentation: keyDER) {
            guard key.keySizeInBits >= 2048 else { throw .unusable(path: path, reason: "an RSA key of \(key.keySizeInBits) bits (2048 or more needed)") }
            (keyType, publicKey, pkcs8) = (.rsa2048, Certificate.PublicKey(key.publicKey), Array(key.pkcs8DERRepresentation))
        } else if let key = try? P256.Signing.PrivateKey(derRepresentation: keyDER) {
            (keyType, publicKey, pkcs8) = (.p256, Certificate.PublicKey(key.publicKey), Array(key.derRepresentation))
        } else {
            throw .unusable(path: path, reason: "the key is neither RSA nor P-256")
        }
        guard publicKey == certificate.publicKey else { throw .unusable(path: path, reason: "the key does not belong to the certificate") }
        let usages = try? certificate.extensions.extendedKeyUsage
        guard let usages, usages.contains(IdentityIssuer.clientAuthentication) else {
            throw .unusable(path: path, reason: "the certificate lacks the Client Authentication EKU (1.3.6.1.5.5.7.3.2) a PKI MP requires")
        }
        guard certificate.notValidBefore <= now else { throw .unusable(path: path, reason: "the certificate is not valid before \(certificate.notValidBefore)") }
        guard now < certificate.notValidAfter else { throw .unusable(path: path, reason: "the certificate expired on \(certificate.notValidAfter)") }
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate)
        } catch {
            throw .unusable(path: path, reason: "the certificate does not serialize: \(error)")
        }
        return SMSCertificate(certificateDER: serializer.serializedBytes, privateKeyDER: pkcs8, keyType: keyType)
    }

    private static func readText(_ path: String) throws(IdentityIssuerError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unusable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read it (permissions?)" : "no such file")
        }
        return text
    }
}

/// PEM text helpers.
enum BGBPEM {
    /// The first `CERTIFICATE` block of a PEM text, markers included.
    static func firstCertificateBlock(_ text: String) -> String? {
        guard let begin = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        return String(text[begin.lowerBound..<end.upperBound])
    }
}
