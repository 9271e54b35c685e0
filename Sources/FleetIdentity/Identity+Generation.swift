import Foundation

extension Identity {
    /// Generates identity `index`: a new key and SMS certificate (§6.1), a random minted
    /// SMSID and the pool's NetBIOS name for the index. Pure CPU work; thread-safe.
    public static func generate(index: Int, keyType: IdentityKeyType, now: Date = Date()) throws -> Identity {
        Identity(
            index: index,
            mintedSMSID: .random(),
            netbiosName: netbiosName(forIndex: index),
            smsCertificate: try SMSCertificate.generate(keyType: keyType, now: now)
        )
    }
}
