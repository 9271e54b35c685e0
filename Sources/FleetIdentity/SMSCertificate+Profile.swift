import SwiftASN1

extension SMSCertificate {
    /// `ConfigMgr Client`, the subject and issuer CN of the vector certificate and of public tools.
    public static let defaultCommonName = "ConfigMgr Client"

    /// The extendedKeyUsage purposes in the order ConfigMgr writes them:
    /// `1.3.6.1.4.1.311.101.2`, then `1.3.6.1.4.1.311.101`. The Windows client finds its
    /// certificate in the LocalMachine "SMS" store by these.
    public static let extendedKeyUsageOIDs: [ASN1ObjectIdentifier] = [
        [1, 3, 6, 1, 4, 1, 311, 101, 2],
        [1, 3, 6, 1, 4, 1, 311, 101],
    ]

    /// The correct DER of the keyUsage value (digitalSignature + dataEncipherment):
    /// `03 02 04 90`. (The SDK's own certificate declares 7 unused bits, `03 02 07 90`; see §6.1.)
    public static let keyUsageDER: [UInt8] = [0x03, 0x02, 0x04, 0x90]
}
