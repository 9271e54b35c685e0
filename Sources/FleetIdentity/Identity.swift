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

    /// The name prefix of a pool that names none: `BGBSIM`.
    public static let defaultNamePrefix = "BGBSIM"

    /// The longest name prefix: with 8 digits (indexes up to 99,999,999) a name stays within
    /// NetBIOS's 15 characters.
    public static let maximumNamePrefixLength = 7

    /// The NetBIOS name the pool gives identity `index`: the pool's prefix (default `BGBSIM`) +
    /// the index zero-padded to 7 digits (`BGBSIM0000042`); indexes up to 99,999,999 stay within
    /// 15 characters.
    public static func netbiosName(forIndex index: Int, prefix: String = defaultNamePrefix) -> String {
        precondition(index >= 0 && index < IdentityPool.maximumCount, "identity index out of range")
        precondition(checkNamePrefix(prefix) == nil, "invalid name prefix \(prefix)")
        let digits = String(index)
        return prefix + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    /// Why `prefix` cannot start the pool's NetBIOS names, or nil when it can: 1 to 7 characters,
    /// upper-case letters, digits and `-`, starting with a letter (what a site's collection query
    /// rule `Name like "PREFIX%"` then finds).
    public static func checkNamePrefix(_ prefix: String) -> String? {
        guard (1...maximumNamePrefixLength).contains(prefix.count) else {
            return "must have 1 to \(maximumNamePrefixLength) characters (the index adds 7 or 8 digits; NetBIOS names have at most 15)"
        }
        guard prefix.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            return "may hold only upper-case letters A-Z, digits and -"
        }
        guard let first = prefix.unicodeScalars.first, ("A"..."Z").contains(first) else { return "must start with a letter" }
        return nil
    }
}
