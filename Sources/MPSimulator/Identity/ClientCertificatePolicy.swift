import BGBTLS
import NIOCore
import NIOSSL

/// Which client certificates the TLS listeners accept: any (spec §2.2.3: the SignIn compares
/// thumbprints), or, with `--client-ca`, only those chaining to the site's CA with the client
/// authentication EKU, as a PKI MP requires. Refusals are counted by reason.
struct ClientCertificatePolicy: Sendable {
    let roots: BGBTrustRoots?
    let core: SimulatorCore

    init(configuration: MPSimulatorConfiguration, core: SimulatorCore) throws {
        self.core = core
        if let path = configuration.clientCAFile {
            do {
                roots = try BGBTrustRoots(pemFile: path)
            } catch {
                throw MPSimulatorError.stateDirectory("--client-ca: \(error)")
            }
        } else {
            roots = nil
        }
    }

    /// The verification callback of a `NIOSSLServerHandler`.
    var callback: NIOSSLCustomVerificationCallback {
        let roots = self.roots
        let core = self.core
        return { certificates, promise in
            guard let roots else {
                promise.succeed(.certificateVerified)
                return
            }
            let chain = certificates.compactMap { try? $0.toDERBytes() }
            if let reason = roots.check(chain: chain, hostname: nil, purpose: .client) {
                core.update { $0.clientCertificatesRefused[Self.shortReason(reason), default: 0] += 1 }
                promise.succeed(.failed)
            } else {
                promise.succeed(.certificateVerified)
            }
        }
    }

    /// The reason without the CA file's name (a stable counter key).
    static func shortReason(_ reason: String) -> String {
        reason.range(of: " (CA file ").map { String(reason[..<$0.lowerBound]) } ?? reason
    }
}
