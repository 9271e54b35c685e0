import BGBTLS
import Crypto
import Foundation
import _CryptoExtras

extension ServerIdentity {
    /// A server certificate issued by a site's (or a test) CA: `--server-cert FILE` (PEM, the
    /// certificate first, its issuing chain after) and `--server-key-file FILE` (PEM, RSA or P-256).
    /// - Throws: ``MPSimulatorError/stateDirectory(_:)`` naming the file that cannot be used.
    static func load(certificateFile: String, keyFile: String) throws -> ServerIdentity {
        guard let certificateText = try? String(contentsOfFile: certificateFile, encoding: .utf8) else {
            throw MPSimulatorError.stateDirectory("cannot read the server certificate \(certificateFile)")
        }
        let certificates = BGBTrustRoots.derBlocks(inPEM: certificateText)
        guard let leaf = certificates.first, BGBCertificateInfo(der: leaf) != nil else {
            throw MPSimulatorError.stateDirectory("\(certificateFile) holds no PEM certificate that parses")
        }
        guard let keyPEM = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
            throw MPSimulatorError.stateDirectory("cannot read the server key \(keyFile)")
        }
        let keyType: MPSimulatorConfiguration.ServerKeyType
        if (try? _RSA.Signing.PrivateKey(pemRepresentation: keyPEM)) != nil {
            keyType = .rsa2048
        } else if (try? P256.Signing.PrivateKey(pemRepresentation: keyPEM)) != nil {
            keyType = .p256
        } else {
            throw MPSimulatorError.stateDirectory("\(keyFile) holds no RSA or P-256 private key in PEM")
        }
        var identity = ServerIdentity(certificateDER: leaf, privateKeyPEM: keyPEM, keyType: keyType)
        identity.chainDER = Array(certificates.dropFirst())
        return identity
    }
}
