import Foundation

/// One simulated ConfigMgr client: its SMSID, SMS certificate, private key and NetBIOS name,
/// plus its registration with an MP when it has one.
///
/// Identity *i* of a pool never changes once written (only ``registration`` may be added or
/// replaced). The value holds raw DER; ``certificate()`` and ``privateKey()`` parse on demand,
/// so loading a pool is cheap.
public struct Identity: Sendable, Hashable {
    /// The position in the pool, `0 ..< pool.count`.
    public let index: Int
    /// The SMSID minted at generation (random, `GUID:` + upper-case GUID).
    public let mintedSMSID: PoolSMSID
    /// The NetBIOS name, e.g. `BGBSIM0000042` (at most 15 characters).
    public let netbiosName: String
    /// The certificate and its private key.
    public let smsCertificate: SMSCertificate
    /// The registration with an MP, if this identity was registered.
    public var registration: RegistrationState?

    /// Creates an identity from its parts.
    public init(
        index: Int,
        mintedSMSID: PoolSMSID,
        netbiosName: String,
        smsCertificate: SMSCertificate,
        registration: RegistrationState? = nil
    ) {
        precondition(index >= 0, "identity index must not be negative")
        precondition(!netbiosName.isEmpty && netbiosName.utf8.count <= 15, "NetBIOS names have 1 to 15 characters")
        self.index = index
        self.mintedSMSID = mintedSMSID
        self.netbiosName = netbiosName
        self.smsCertificate = smsCertificate
        self.registration = registration
    }

    /// The SMSID to use on the wire: the MP-assigned one after registration, the minted one before.
    public var smsid: PoolSMSID { registration?.assignedSMSID ?? mintedSMSID }

    /// The certificate, DER.
    public var certificateDER: [UInt8] { smsCertificate.certificateDER }

    /// The private key, PKCS#8 DER.
    public var privateKeyDER: [UInt8] { smsCertificate.privateKeyDER }

    /// The key algorithm.
    public var keyType: IdentityKeyType { smsCertificate.keyType }

    /// The SHA-1 thumbprint of the certificate, upper-case hex.
    public var thumbprint: String { smsCertificate.thumbprint }

    /// The fully qualified name used in registration discovery data (`<NetBIOS>.sim.invalid`).
    public var fqdn: String { netbiosName + ".sim.invalid" }

    /// The NetBIOS name the pool gives identity `index`: `BGBSIM` + the index zero-padded to
    /// 7 digits (`BGBSIM0000042`); indexes up to 99,999,999 stay within 15 characters.
    public static func netbiosName(forIndex index: Int) -> String {
        precondition(index >= 0 && index < IdentityPool.maximumCount, "identity index out of range")
        let digits = String(index)
        return "BGBSIM" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}
