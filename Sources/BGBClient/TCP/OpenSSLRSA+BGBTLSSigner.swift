import BGBTLS
import CCMMessaging

/// OpenSSL 3 signs the lean TLS CertificateVerify (about twice as fast as BoringSSL here).
extension OpenSSLRSA.SigningKey: BGBTLSSigner {
    public func signPKCS1SHA256(_ message: UnsafeRawBufferPointer) -> [UInt8]? {
        guard isRSA else { return nil }
        return try? signSHA256(message)
    }
}
