/// How a server certificate is validated when validation is on (`tls.verify: ca|pin`): a chain to
/// CA roots (with the host name), pinned public keys of the leaf, or both.
public struct BGBServerTrust: Sendable, Hashable, CustomStringConvertible {
    /// CA roots the chain must reach (nil: no chain check).
    public var roots: BGBTrustRoots?
    /// The leaf's SubjectPublicKeyInfo must be one of these (empty: no pin check).
    public var pins: Set<BGBPublicKeyPin>

    public init(roots: BGBTrustRoots? = nil, pins: Set<BGBPublicKeyPin> = []) {
        precondition(roots != nil || !pins.isEmpty, "a server trust needs CA roots or pins")
        self.roots = roots
        self.pins = pins
    }

    /// Nil when `chain` (what the server presented, leaf first, DER) is trusted for `hostname`.
    public func verify(chain: [[UInt8]], hostname: String?) -> BGBTLSVerificationError? {
        guard let leafDER = chain.first, let leaf = BGBCertificateInfo(der: leafDER) else {
            return BGBTLSVerificationError(reason: "no certificate that parses was presented", subject: "", sha256Thumbprint: "")
        }
        func failure(_ reason: String) -> BGBTLSVerificationError {
            BGBTLSVerificationError(reason: reason, subject: leaf.subject, sha256Thumbprint: leaf.sha256Thumbprint)
        }
        if let roots, let reason = roots.check(chain: chain, hostname: hostname) {
            return failure(reason)
        }
        if !pins.isEmpty, !pins.contains(BGBPublicKeyPin(sha256: leaf.publicKeySHA256)) {
            return failure("its public key \(BGBPublicKeyPin(sha256: leaf.publicKeySHA256)) is not pinned")
        }
        return nil
    }

    public var description: String {
        var parts: [String] = []
        if let roots { parts.append("chain to \(roots)") }
        if !pins.isEmpty { parts.append("\(pins.count) pinned public key\(pins.count == 1 ? "" : "s")") }
        return parts.joined(separator: " + ")
    }
}

extension BGBServerTrust {
    /// The trust of `--mp-ca FILE` and `--mp-pin sha256/BASE64…` (nil when neither is given).
    /// - Throws: ``BGBTrustError`` naming the unreadable file or the malformed pin.
    public static func load(caFile: String?, pins: [String]) throws(BGBTrustError) -> BGBServerTrust? {
        let roots = try caFile.map { (path) throws(BGBTrustError) in try BGBTrustRoots(pemFile: path) }
        var parsed: Set<BGBPublicKeyPin> = []
        for pin in pins { parsed.insert(try BGBPublicKeyPin(parsing: pin)) }
        guard roots != nil || !parsed.isEmpty else { return nil }
        return BGBServerTrust(roots: roots, pins: parsed)
    }
}
