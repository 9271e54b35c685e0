import Foundation

extension Identity {
    /// Generates identity `index`: a new key and SMS certificate (§6.1), a random minted
    /// SMSID and the pool's NetBIOS name for the index. Pure CPU work; thread-safe.
    /// With `issuer`, the certificate is a PKI client certificate issued by that CA
    /// (``IdentityIssuer``) instead of a self-signed SMS one.
    public static func generate(
        index: Int, keyType: IdentityKeyType, namePrefix: String = defaultNamePrefix, now: Date = Date(), issuer: IdentityIssuer? = nil
    ) throws -> Identity {
        let netbiosName = netbiosName(forIndex: index, prefix: namePrefix)
        let certificate: SMSCertificate
        if let issuer {
            certificate = try SMSCertificate.issued(keyType: keyType, dnsName: netbiosName + ".sim.invalid", now: now, issuer: issuer)
        } else {
            certificate = try SMSCertificate.generate(keyType: keyType, now: now)
        }
        return Identity(index: index, mintedSMSID: .random(), netbiosName: netbiosName, smsCertificate: certificate)
    }
}
