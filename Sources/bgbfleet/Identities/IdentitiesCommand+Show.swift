import ArgumentParser
import FleetIdentity
import Foundation
import X509

extension IdentitiesCommand {
    /// `bgbfleet identities show --identities DIR INDEX`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one identity: SMSID, certificate, key type, NetBIOS name, registration."
        )

        @Option(name: [.customLong("identities"), .customLong("out")], help: ArgumentHelp("The pool directory.", valueName: "dir"))
        var out: String

        @Argument(help: "The identity index, 0 ..< count.")
        var index: Int

        func run() throws {
            let pool = try poolCall(out) { try IdentityPool.open(at: URL(fileURLWithPath: out)) }
            let identity = try poolCall(out) { try pool.identity(at: index) }
            let certificate: Certificate
            do {
                certificate = try identity.certificate()
            } catch {
                throw CommandFailure.badInput("\(pool.identityChunkPath(pool.chunk(containing: index))): identity \(index) has an unreadable certificate: \(error)")
            }
            print("index:        \(identity.index)")
            print("SMSID:        \(identity.smsid)\(identity.registration == nil ? " (minted, not registered)" : " (assigned by the MP)")")
            if identity.registration != nil {
                print("minted SMSID: \(identity.mintedSMSID)")
            }
            print("NetBIOS name: \(identity.netbiosName)")
            print("key type:     \(identity.keyType)")
            print("thumbprint:   \(identity.thumbprint)")
            print("certificate:  \(identity.certificateKind.rawValue)")
            print("subject:      \(certificate.subject)")
            print("issuer:       \(certificate.issuer)")
            print("serial:       \(certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined())")
            print("valid:        \(iso8601(certificate.notValidBefore)) … \(iso8601(certificate.notValidAfter))")
            print("signature:    \(signatureAlgorithmName(certificate.signatureAlgorithm))")
            if let registration = identity.registration {
                print("registration: \(registration.approvalStatus) at \(iso8601(registration.registeredAt)) with \(registration.mp)")
            } else {
                print("registration: none")
            }
        }
    }
}

private func signatureAlgorithmName(_ algorithm: Certificate.SignatureAlgorithm) -> String {
    switch algorithm {
    case .sha256WithRSAEncryption: return "sha256WithRSAEncryption (1.2.840.113549.1.1.11)"
    case .ecdsaWithSHA256: return "ecdsa-with-SHA256 (1.2.840.10045.4.3.2)"
    default: return String(describing: algorithm)
    }
}
