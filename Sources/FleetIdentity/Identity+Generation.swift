import Crypto
import Foundation

extension Identity {
    /// Generates identity `index`: a new key and SMS certificate (§6.1), a random minted
    /// SMSID and the pool's NetBIOS name for the index. Pure CPU work; thread-safe.
    /// With `issuer`, the certificate is a PKI client certificate issued by that CA
    /// (``IdentityIssuer``) instead of a self-signed SMS one. With `derivation`, the SMSID, the
    /// name (from the fleet's session index) and a P-256 key follow from its seed
    /// (``IdentityDerivation``).
    public static func generate(
        index: Int, keyType: IdentityKeyType, namePrefix: String = defaultNamePrefix, now: Date = Date(), issuer: IdentityIssuer? = nil,
        derivation: IdentityDerivation? = nil
    ) throws -> Identity {
        let netbiosName = netbiosName(forIndex: derivation?.sessionIndex(index) ?? index, prefix: namePrefix)
        let key: P256.Signing.PrivateKey? = try derivation.flatMap { keyType == .p256 ? try $0.p256Key(forIndex: index) : nil }
        let certificate: SMSCertificate
        if let issuer {
            certificate = try SMSCertificate.issued(keyType: keyType, dnsName: netbiosName + ".sim.invalid", now: now, issuer: issuer, p256Key: key)
        } else {
            certificate = try SMSCertificate.generate(keyType: keyType, now: now, p256Key: key)
        }
        return Identity(index: index, mintedSMSID: derivation?.smsid(forIndex: index) ?? .random(),
                        netbiosName: netbiosName, smsCertificate: certificate)
    }
}
