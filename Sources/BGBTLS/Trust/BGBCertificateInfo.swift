internal import CNIOBoringSSL

/// What the trust checks and their error messages need from one certificate (DER): its subject,
/// the SHA-256 of its DER (the thumbprint) and of its SubjectPublicKeyInfo (the pin).
public struct BGBCertificateInfo: Sendable, Hashable {
    /// RFC 2253 form ("CN=mp.contoso.com,O=Contoso").
    public var subject: String
    /// SHA-256 of the DER.
    public var sha256: [UInt8]
    /// SHA-256 of the SubjectPublicKeyInfo DER.
    public var publicKeySHA256: [UInt8]

    /// Nil when the bytes are not a certificate BoringSSL parses.
    public init?(der: [UInt8]) {
        guard let certificate = Self.parse(der) else { return nil }
        defer { X509_free(certificate) }
        guard let publicKey = X509_get_X509_PUBKEY(certificate) else { return nil }
        var spki: UnsafeMutablePointer<UInt8>?
        let spkiLength = i2d_X509_PUBKEY(publicKey, &spki)
        guard spkiLength > 0, let spki else { return nil }
        defer { OPENSSL_free(spki) }
        self.publicKeySHA256 = Self.sha256(UnsafeRawBufferPointer(start: spki, count: Int(spkiLength)))
        self.sha256 = der.withUnsafeBytes { Self.sha256($0) }
        self.subject = Self.subject(of: certificate)
    }

    /// The thumbprint as Windows shows it: upper-case hex.
    public var sha256Thumbprint: String {
        sha256.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
    }

    static func parse(_ der: [UInt8]) -> OpaquePointer? {
        der.withUnsafeBufferPointer { bytes in
            var cursor = bytes.baseAddress
            return d2i_X509(nil, &cursor, bytes.count)
        }
    }

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        digest.withUnsafeMutableBufferPointer { out in
            _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, out.baseAddress)
        }
        return digest
    }

    /// `XN_FLAG_RFC2253`, spelt out: the C macro is too complex to import.
    static let rfc2253Flags: UInt = {
        let strings = UInt(ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_ESC_MSB)
            | UInt(ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_DUMP_UNKNOWN | ASN1_STRFLGS_DUMP_DER)
        return strings | UInt(XN_FLAG_SEP_COMMA_PLUS) | UInt(XN_FLAG_DN_REV) | UInt(XN_FLAG_FN_SN) | UInt(XN_FLAG_DUMP_UNKNOWN_FIELDS)
    }()

    static func subject(of certificate: OpaquePointer) -> String {
        guard let name = X509_get_subject_name(certificate), let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, Self.rfc2253Flags) >= 0 else { return "" }
        var contents: UnsafePointer<UInt8>?
        var length = 0
        guard BIO_mem_contents(bio, &contents, &length) == 1, let contents else { return "" }
        return String(decoding: UnsafeBufferPointer(start: contents, count: length), as: UTF8.self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
