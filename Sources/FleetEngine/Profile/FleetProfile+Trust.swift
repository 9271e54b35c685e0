import BGBClient

extension FleetProfile {
    /// The keys of the profile's `tls` section.
    static let tlsKeys = ["minimum", "maximum", "version", "engine", "verify", "ca", "pins"]

    /// `tls.verify: none|ca|pin` with `tls.ca: FILE` and `tls.pins: [sha256/BASE64, …]`: how the MP's
    /// certificate is checked (TCP 10123, the HTTPS fallback). Without `verify`, `ca` or `pins`
    /// turn it on; `none` (the default, as the ConfigMgr client) checks nothing.
    static func serverValidation(_ tls: ProfileReader) throws(FleetConfigurationError) -> BGBTLSOptions.ServerValidation? {
        switch try trust(tls, off: "none") {
        case .unset: nil
        case .off: BGBTLSOptions.ServerValidation.none
        case .trust(let trust): .verified(trust)
        }
    }

    /// `trigger-tls: {verify: system|ca|pin|insecure, ca: FILE, pins: […]}`: how an `https://`
    /// trigger URL's certificate is checked (``AdminServiceTLS``; `--trigger-ca`, `--trigger-pin`,
    /// `--trigger-insecure`).
    static func triggerTLS(_ section: ProfileReader) throws(FleetConfigurationError) -> AdminServiceTLS {
        try section.checkKeys(["verify", "ca", "pins"])
        if try section.string("verify") == "system" {
            guard try section.string("ca") == nil, try section.stringList("pins") == nil else {
                throw .invalid(key: section.key("verify"), value: "system", reason: "ca and pins need verify: ca or pin")
            }
            return .system
        }
        switch try trust(section, off: "insecure", others: "system, ") {
        case .unset: return .system
        case .off: return .insecure
        case .trust(let trust): return .verified(trust)
        }
    }

    enum TrustSetting {
        case unset
        case off
        case trust(BGBServerTrust)
    }

    /// Reads `verify` (`ca`, `pin`, or `off`), `ca` and `pins` of a section.
    static func trust(_ section: ProfileReader, off: String, others: String = "") throws(FleetConfigurationError) -> TrustSetting {
        let verify = try section.string("verify")
        let caFile = try section.string("ca")
        let pins = try section.stringList("pins") ?? []
        switch verify {
        case nil:
            break
        case off?:
            guard caFile == nil, pins.isEmpty else {
                throw .invalid(key: section.key("verify"), value: off, reason: "ca and pins need verify: ca or pin")
            }
            return .off
        case "ca":
            guard caFile != nil else { throw .invalid(key: section.key("verify"), value: "ca", reason: "needs \(section.key("ca")): FILE (a PEM bundle)") }
        case "pin":
            guard !pins.isEmpty else {
                throw .invalid(key: section.key("verify"), value: "pin", reason: "needs \(section.key("pins")): [sha256/BASE64, …]")
            }
        case let other?:
            throw .invalid(key: section.key("verify"), value: other, reason: "use \(others)\(off), ca or pin")
        }
        do {
            return try BGBServerTrust.load(caFile: caFile, pins: pins).map { .trust($0) } ?? .unset
        } catch {
            let key: String
            if case .malformedPin = error { key = section.key("pins") } else { key = section.key("ca") }
            throw .invalid(key: key, value: caFile ?? pins.joined(separator: ","), reason: error.description)
        }
    }
}
