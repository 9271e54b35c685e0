/// Signs a lean TLS connection's CertificateVerify in place of BoringSSL (``BGBLeanTLSHandler``).
///
/// The client's RSA-2048 signature is the heaviest step of a sign-in on the generator, and OpenSSL 3
/// signs about twice as fast as BoringSSL on this CPU (`Benchmarks/`, FleetBenchmarks
/// RSASignOpenSSL vs RSASignBoringSSL). A signer is used on TLS 1.2 connections only, where the
/// handler restricts the client's signature to RSASSA-PKCS1-v1_5 with SHA-256 (the one every MP
/// offers); TLS 1.0/1.1 (MD5+SHA-1) and 1.3 (PSS) keep BoringSSL's own key.
public protocol BGBTLSSigner: Sendable {
    /// RSASSA-PKCS1-v1_5 over the SHA-256 digest of `message`, big-endian as TLS sends it; nil on failure.
    func signPKCS1SHA256(_ message: UnsafeRawBufferPointer) -> [UInt8]?
}
