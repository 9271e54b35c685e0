import BGBProtocol
import NIOSSL

/// What a client presents: its SMSID and the SMS certificate + key for mutual TLS.
public struct BGBClientCredentials: Sendable {
    public var smsID: SMSID
    public var certificate: NIOSSLCertificate
    public var privateKey: NIOSSLPrivateKey

    public init(smsID: SMSID, certificate: NIOSSLCertificate, privateKey: NIOSSLPrivateKey) {
        self.smsID = smsID
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Credentials from DER: the certificate and a PKCS#1, PKCS#8 or SEC1 private key.
    public init(smsID: SMSID, certificateDER: [UInt8], privateKeyDER: [UInt8]) throws {
        self.smsID = smsID
        self.certificate = try NIOSSLCertificate(bytes: certificateDER, format: .der)
        self.privateKey = try NIOSSLPrivateKey(bytes: privateKeyDER, format: .der)
    }
}
