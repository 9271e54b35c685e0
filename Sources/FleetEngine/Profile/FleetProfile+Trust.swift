import BGBClient

extension FleetProfile {
    /// The keys of the profile's `tls` section.
    static let tlsKeys = ["minimum", "maximum", "version", "engine", "verify", "ca", "pins"]

    /// `tls.verify: none|ca|pin` with `tls.ca: FILE` and `tls.pins: [sha256/BASE64, …]`: how the MP's
    /// certificate is checked (TCP 10123, the HTTPS fallback). Without `verify`, `ca` or `pins`
    /// turn it on; `none` (the default, as the ConfigMgr client) checks nothing.
    static func serverValidation(_ tls: ProfileReader) throws(FleetConfigurationError) -> BGBTLSOptions.ServerValidation? {
        let verify = try tls.string("verify")
        let caFile = try tls.string("ca")
        let pins = try tls.stringList("pins") ?? []
        switch verify {
        case nil:
            break
        case "none":
            guard caFile == nil, pins.isEmpty else {
                throw .invalid(key: tls.key("verify"), value: "none", reason: "tls.ca and tls.pins need verify: ca or pin")
            }
            return BGBTLSOptions.ServerValidation.none
        case "ca":
            guard caFile != nil else { throw .invalid(key: tls.key("verify"), value: "ca", reason: "needs tls.ca: FILE (a PEM bundle)") }
        case "pin":
            guard !pins.isEmpty else {
                throw .invalid(key: tls.key("verify"), value: "pin", reason: "needs tls.pins: [sha256/BASE64, …]")
            }
        case let other?:
            throw .invalid(key: tls.key("verify"), value: other, reason: "use none, ca or pin")
        }
        do {
            return try BGBServerTrust.load(caFile: caFile, pins: pins).map { .verified($0) }
        } catch {
            let key: String
            if case .malformedPin = error { key = tls.key("pins") } else { key = tls.key("ca") }
            throw .invalid(key: key, value: caFile ?? pins.joined(separator: ","), reason: error.description)
        }
    }
}
