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
        let policy = self
        return { certificates, promise in
            guard policy.roots != nil else {
                promise.succeed(.certificateVerified)
                return
            }
            let chain = certificates.compactMap { try? $0.toDERBytes() }
            promise.succeed(policy.accepts(chain: chain) ? .certificateVerified : .failed)
        }
    }

    /// The verifier of the lean engine's server context: nil (any certificate) without `--client-ca`.
    var leanVerifier: BGBLeanTLSServerContext.ClientCertificateVerifier? {
        guard roots != nil else { return nil }
        let policy = self
        return { chain in policy.accepts(chain: chain) }
    }

    /// Whether `chain` (DER, leaf first) is accepted; a refusal is counted by reason.
    func accepts(chain: [[UInt8]]) -> Bool {
        guard let roots else { return true }
        if let reason = roots.check(chain: chain, hostname: nil, purpose: .client) {
            core.update { $0.clientCertificatesRefused[Self.shortReason(reason), default: 0] += 1 }
            return false
        }
        return true
    }

    /// The reason without the CA file's name (a stable counter key).
    static func shortReason(_ reason: String) -> String {
        reason.range(of: " (CA file ").map { String(reason[..<$0.lowerBound]) } ?? reason
    }
}
