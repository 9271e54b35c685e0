import BGBProtocol
import NIOConcurrencyHelpers

/// One client the simulator knows: registered, pre-registered by the engine, or (lenient mode)
/// implicitly added at its first SignIn.
final class ClientRecord: Sendable {
    enum Origin: String, Sendable {
        case registered
        case preRegistered = "pre_registered"
        /// Signed in without registration (lenient identity check).
        case implicit
        /// A client of the site outside the fleet (`--foreign-clients`).
        case foreign
    }

    let smsID: SMSID
    /// 16777216 + n, ConfigMgr's system-resource range.
    let resourceID: Int
    let certificate: ClientCertificate?
    let netbiosName: String
    let fqName: String
    let origin: Origin
    let approved: Bool
    let registeredAtEpochNanoseconds: Int64
    private let keyCache = NIOLockedValueBox<VerificationKey?>(nil)

    init(
        smsID: SMSID,
        resourceID: Int,
        certificate: ClientCertificate?,
        netbiosName: String,
        fqName: String,
        origin: Origin,
        approved: Bool,
        registeredAtEpochNanoseconds: Int64
    ) {
        self.smsID = smsID
        self.resourceID = resourceID
        self.certificate = certificate
        self.netbiosName = netbiosName
        self.fqName = fqName
        self.origin = origin
        self.approved = approved
        self.registeredAtEpochNanoseconds = registeredAtEpochNanoseconds
    }

    /// The registered certificate's public key, parsed once on first use; nil without a certificate.
    var verificationKey: VerificationKey? {
        guard let certificate else { return nil }
        return keyCache.withLockedValue { cached in
            if let cached { return cached }
            let key = certificate.verificationKey()
            cached = key
            return key
        }
    }
}
