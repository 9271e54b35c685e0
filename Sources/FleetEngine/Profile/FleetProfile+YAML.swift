import BGBClient
import FleetMetrics
import Foundation
import Yams

extension FleetProfile {
    /// The top-level keys a profile may hold.
    public static let topLevelKeys = [
        "mp", "port", "http-port", "http-scheme", "transport", "tls", "sessions", "rate", "ramp", "duration", "keepalive",
        "keepalive-spread", "signin-timeout", "max-handshakes", "identities", "source-addresses", "processes", "client-version", "timestamps",
        "responder", "reconnect", "triggers", "trigger-url", "trigger-auth", "trigger-command", "trigger-command-timeout", "trigger-tls",
        "mp-online-poll", "thresholds", "output", "simulator",
    ]

    /// Reads a YAML profile; every problem is a ``FleetConfigurationError`` naming the key.
    public init(yaml text: String, name: String = "inline") throws(FleetConfigurationError) {
        self.init()
        self.name = name
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw .unreadable(path: name, reason: "not valid YAML: \(error)")
        }
        guard let loaded else { return }
        let reader = try ProfileReader(loaded, path: "")
        try reader.checkKeys(Self.topLevelKeys)
        if let mp = try reader.string("mp") { self.mp = mp }
        if let port = try reader.int("port", in: 1...65535) { self.port = port }
        if let port = try reader.int("http-port", in: 1...65535) { self.httpPort = port }
        if let scheme = try reader.string("http-scheme") {
            guard let value = HTTPScheme(rawValue: scheme) else {
                throw .invalid(key: "http-scheme", value: scheme, reason: "use http or https")
            }
            self.httpScheme = value
        }
        if let transport = try reader.string("transport") {
            guard let value = Transport(rawValue: transport) else {
                throw .invalid(key: "transport", value: transport, reason: "use tcp or http")
            }
            self.transport = value
        }
        if let tls = try reader.section("tls") {
            try tls.checkKeys(Self.tlsKeys)
            if let validation = try Self.serverValidation(tls) { self.tls.serverValidation = validation }
            if let engine = try tls.string("engine") {
                guard let value = BGBTLSOptions.Engine(rawValue: engine) else {
                    throw .invalid(key: "tls.engine", value: engine, reason: "use lean or niossl")
                }
                self.tls.engine = value
            }
            if let version = try tls.tlsVersion("version") {
                self.tls.minimumVersion = version
                self.tls.maximumVersion = version
            }
            if let minimum = try tls.tlsVersion("minimum") { self.tls.minimumVersion = minimum }
            if let maximum = try tls.tlsVersion("maximum") { self.tls.maximumVersion = maximum }
        }
        if let sessions = try reader.int("sessions", in: 1...10_000_000) { self.sessions = sessions }
        let rate = try reader.double("rate")
        let ramp = try reader.duration("ramp")
        if rate != nil, ramp != nil {
            throw .invalid(key: "rate", value: "\(rate!)", reason: "give either rate or ramp, not both")
        }
        if let rate {
            guard rate > 0 else { throw .invalid(key: "rate", value: "\(rate)", reason: "must be positive") }
            guard ArrivalSchedule.rateRange.contains(rate) else {
                throw .invalid(key: "rate", value: "\(rate)", reason: "must be \(ArrivalSchedule.rateRangeText) sessions per second")
            }
            self.arrival = .rate(rate)
        }
        if let ramp { self.arrival = .ramp(nanoseconds: ramp) }
        if let duration = try reader.duration("duration") {
            guard duration > 0 else { throw .invalid(key: "duration", value: "0", reason: "must be positive") }
            self.duration = duration
        }
        if let keepAlive = try reader.duration("keepalive") {
            guard keepAlive >= 1_000_000_000 else {
                throw .invalid(key: "keepalive", value: DurationText.format(keepAlive), reason: "at least 1s")
            }
            self.keepAlive = keepAlive
        }
        if let spread = try reader.bool("keepalive-spread") { self.keepAliveSpread = spread }
        if let timeout = try reader.duration("signin-timeout") {
            guard timeout >= 1_000_000_000, timeout <= 3_600_000_000_000 else {
                throw .invalid(key: "signin-timeout", value: DurationText.format(timeout), reason: "must be 1s…1h")
            }
            self.signInTimeout = timeout
        }
        if let bound = try reader.int("max-handshakes", in: 0...1_000_000) { self.maxHandshakes = bound }
        if let identities = try reader.string("identities") { self.identities = identities }
        if let ranges = try reader.stringList("source-addresses") {
            self.sourceAddresses = try ranges.map { (text) throws(FleetConfigurationError) in try SourceAddressRange(text) }
        }
        if let processes = try reader.int("processes", in: 1...FleetProfile.maxProcesses) { self.processes = processes }
        if let version = try reader.string("client-version") { self.clientVersion = version }
        if let style = try reader.string("timestamps") {
            guard style == "sdk" || style == "native" else {
                throw .invalid(key: "timestamps", value: style, reason: "use sdk or native")
            }
            self.timestampStyle = style
        }
        if let responder = try reader.section("responder") {
            try responder.checkKeys(["handling-time", "return-code", "failure-fraction", "failure-return-code", "no-response-fraction"])
            if responder.raw("handling-time") is [String: Any], let handling = try responder.section("handling-time") {
                try handling.checkKeys(["distribution", "value", "min", "max", "median", "sigma"])
                let distribution = try handling.string("distribution") ?? "constant"
                switch distribution {
                case "constant":
                    self.handlingTime = .constant(nanoseconds: try handling.duration("value") ?? 0)
                case "uniform":
                    let minimum = try handling.duration("min") ?? 0
                    let maximum = try handling.duration("max") ?? minimum
                    guard minimum <= maximum else {
                        throw .invalid(key: "responder.handling-time.min", value: DurationText.format(minimum), reason: "larger than max")
                    }
                    self.handlingTime = .uniform(minimum: minimum, maximum: maximum)
                case "lognormal":
                    guard let median = try handling.duration("median") else {
                        throw .invalid(key: "responder.handling-time.median", value: "", reason: "lognormal needs a median")
                    }
                    let sigma = try handling.double("sigma") ?? 1
                    guard sigma > 0, sigma < 5 else {
                        throw .invalid(key: "responder.handling-time.sigma", value: "\(sigma)", reason: "must be in (0, 5)")
                    }
                    self.handlingTime = .lognormal(median: median, sigma: sigma)
                default:
                    throw .invalid(key: "responder.handling-time.distribution", value: distribution, reason: "use constant, uniform or lognormal")
                }
            } else if let constant = try responder.duration("handling-time") {
                self.handlingTime = .constant(nanoseconds: constant)
            }
            if let code = try responder.int("return-code", in: Int(Int32.min)...Int(Int32.max)) { self.returnCode = Int32(code) }
            if let fraction = try responder.fraction("failure-fraction") { self.failureFraction = fraction }
            if let code = try responder.int("failure-return-code", in: Int(Int32.min)...Int(Int32.max)) {
                self.failureReturnCode = Int32(code)
            }
            if let fraction = try responder.fraction("no-response-fraction") { self.noResponseFraction = fraction }
        }
        if let reconnect = try reader.section("reconnect") {
            try reconnect.checkKeys(["mode", "first-delay-max", "base", "cap", "http-fallback-after"])
            if let mode = try reconnect.string("mode") {
                guard let value = ReconnectPolicy.Mode(rawValue: mode) else {
                    throw .invalid(key: "reconnect.mode", value: mode, reason: "use backoff, storm or none")
                }
                self.reconnect.mode = value
            }
            if let value = try reconnect.duration("first-delay-max") { self.reconnect.firstDelayMaximum = value }
            if let value = try reconnect.duration("base") { self.reconnect.base = value }
            if let value = try reconnect.duration("cap") { self.reconnect.cap = value }
            if let value = try reconnect.int("http-fallback-after", in: 0...1000) { self.reconnect.httpFallbackAfter = value }
            guard self.reconnect.base <= self.reconnect.cap else {
                throw .invalid(key: "reconnect.base", value: DurationText.format(self.reconnect.base), reason: "larger than reconnect.cap")
            }
        }
        if let list = try reader.list("triggers") {
            self.triggers = try list.enumerated().map { (index, item) throws(FleetConfigurationError) in
                try Self.trigger(item, path: "triggers[\(index)]")
            }
        }
        if let url = try reader.string("trigger-url") { self.triggerURL = url }
        if let auth = try reader.section("trigger-auth") { self.triggerCredentials = try TriggerCredentials.parse(auth) }
        if let section = try reader.section("trigger-tls") { self.triggerTLS = try Self.triggerTLS(section) }
        if let command = try reader.string("trigger-command") {
            guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalid(key: "trigger-command", value: command, reason: "must not be empty")
            }
            self.triggerCommand = command
        }
        if let timeout = try reader.duration("trigger-command-timeout") {
            guard timeout > 0 else { throw .invalid(key: "trigger-command-timeout", value: "0", reason: "must be positive") }
            self.triggerCommandTimeout = timeout
        }
        if let poll = try reader.duration("mp-online-poll") {
            guard poll == 0 || poll >= 1_000_000_000 else {
                throw .invalid(key: "mp-online-poll", value: DurationText.format(poll), reason: "0 (off) or at least 1s")
            }
            self.mpOnlinePoll = poll
        }
        if let thresholds = try reader.stringList("thresholds") { self.thresholds = thresholds }
        if let output = try reader.string("output") { self.output = output }
        if let simulator = try reader.section("simulator") {
            try simulator.checkKeys(["restart-at"])
            self.simulatorRestartAt = try simulator.duration("restart-at")
        }
    }

    static func trigger(_ item: Any, path: String) throws(FleetConfigurationError) -> Trigger {
        let reader = try ProfileReader(item, path: path)
        try reader.checkKeys(["at", "every", "count", "type", "param", "targets", "collection"])
        var trigger = Trigger(at: try reader.duration("at") ?? 0)
        trigger.every = try reader.duration("every")
        if let every = trigger.every, every == 0 {
            throw .invalid(key: "\(path).every", value: "0", reason: "must be positive")
        }
        trigger.count = try reader.int("count", in: 1...1_000_000)
        if let name = reader.raw("type") as? String {
            // By name as well as number: `type: download-computer-policy`.
            guard let type = ClientOperationType.type(named: name) ?? Int(name) else {
                throw .invalid(
                    key: "\(path).type", value: name,
                    reason: "not a Type number or name (" + ClientOperationType.names.map { "\($0.name)=\($0.type)" }.joined(separator: ", ") + ")"
                )
            }
            guard (0...100_000).contains(type) else {
                throw .invalid(key: "\(path).type", value: name, reason: "must be in 0…100000")
            }
            trigger.type = type
        } else if let type = try reader.int("type", in: 0...100_000) {
            trigger.type = type
        }
        trigger.param = try reader.string("param")
        if let collection = try reader.string("collection") {
            guard TriggerPlan.isCollectionID(collection) else {
                throw .invalid(key: "\(path).collection", value: collection, reason: "not a collection ID (a site code and 5 hex digits, e.g. XYZ00042)")
            }
            trigger.collectionID = collection.uppercased()
        }
        if let targets = reader.raw("targets") {
            let expected = "all, collection, {fraction: F}, {count: N} or {resource-ids: [..]}"
            if let text = targets as? String, text == "all" {
                trigger.targets = .all
            } else if let text = targets as? String, text == "collection" {
                trigger.targets = .collection
            } else if let section = try? ProfileReader(targets, path: "\(path).targets") {
                try section.checkKeys(["fraction", "count", "resource-ids"])
                guard section.values.count == 1 else { throw .wrongType(key: "\(path).targets", expected: "one of \(expected)") }
                if let fraction = try section.fraction("fraction") {
                    trigger.targets = .fraction(fraction)
                } else if let count = try section.int("count", in: 1...10_000_000) {
                    trigger.targets = .count(count)
                } else if let ids = try section.intList("resource-ids") {
                    guard !ids.isEmpty, ids.allSatisfy({ $0 > 0 && $0 <= Int(UInt32.max) }) else {
                        throw .invalid(key: "\(path).targets.resource-ids", value: "\(ids)", reason: "give one or more ResourceIDs")
                    }
                    trigger.targets = .resourceIDs(ids.map { UInt32($0) })
                } else {
                    throw .wrongType(key: "\(path).targets", expected: expected)
                }
            } else {
                throw .wrongType(key: "\(path).targets", expected: expected)
            }
        }
        return trigger
    }

    /// Reads a profile file.
    public static func load(path: String) throws(FleetConfigurationError) -> FleetProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path: path, reason: "not UTF-8 text") }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try FleetProfile(yaml: text, name: name)
    }
}

/// Typed access to one YAML mapping, with errors naming the key path.
struct ProfileReader {
    let values: [String: Any]
    let path: String

    init(_ value: Any, path: String) throws(FleetConfigurationError) {
        guard let dictionary = value as? [String: Any] else {
            throw .wrongType(key: path.isEmpty ? "profile" : path, expected: "a mapping of keys to values")
        }
        self.values = dictionary
        self.path = path
    }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func checkKeys(_ allowed: [String]) throws(FleetConfigurationError) {
        for name in values.keys.sorted() where !allowed.contains(name) {
            throw .unknownKey(key(name), allowed: allowed)
        }
    }

    func raw(_ name: String) -> Any? { values[name] }

    func string(_ name: String) throws(FleetConfigurationError) -> String? {
        guard let value = values[name] else { return nil }
        if let text = value as? String { return text }
        if value is Int || value is Double { return "\(value)" }
        throw .wrongType(key: key(name), expected: "a string")
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(FleetConfigurationError) -> Int? {
        guard let value = values[name] else { return nil }
        guard let number = value as? Int else { throw .wrongType(key: key(name), expected: "an integer") }
        guard range.contains(number) else {
            throw .invalid(key: key(name), value: "\(number)", reason: "must be in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    func double(_ name: String) throws(FleetConfigurationError) -> Double? {
        guard let value = values[name] else { return nil }
        if let number = value as? Double { return number }
        if let number = value as? Int { return Double(number) }
        throw .wrongType(key: key(name), expected: "a number")
    }

    func fraction(_ name: String) throws(FleetConfigurationError) -> Double? {
        guard let value = try double(name) else { return nil }
        guard value >= 0, value <= 1 else { throw .invalid(key: key(name), value: "\(value)", reason: "must be between 0 and 1") }
        return value
    }

    func bool(_ name: String) throws(FleetConfigurationError) -> Bool? {
        guard let value = values[name] else { return nil }
        guard let flag = value as? Bool else { throw .wrongType(key: key(name), expected: "true or false") }
        return flag
    }

    func duration(_ name: String) throws(FleetConfigurationError) -> UInt64? {
        guard let value = values[name] else { return nil }
        let text: String
        if let string = value as? String { text = string } else if value is Int || value is Double { text = "\(value)" } else {
            throw .wrongType(key: key(name), expected: "a duration such as 250ms, 10s, 15m, 1h")
        }
        guard let nanoseconds = DurationText.nanoseconds(text) else {
            throw .invalid(key: key(name), value: text, reason: "not a duration (use ms, s, m or h, e.g. 10s)")
        }
        return nanoseconds
    }

    func tlsVersion(_ name: String) throws(FleetConfigurationError) -> BGBTLSOptions.Version? {
        guard let text = try string(name) else { return nil }
        guard let version = BGBTLSOptions.Version(rawValue: text) else {
            throw .invalid(key: key(name), value: text, reason: "use 1.0, 1.1, 1.2 or 1.3")
        }
        return version
    }

    func list(_ name: String) throws(FleetConfigurationError) -> [Any]? {
        guard let value = values[name] else { return nil }
        guard let list = value as? [Any] else { throw .wrongType(key: key(name), expected: "a list") }
        return list
    }

    func stringList(_ name: String) throws(FleetConfigurationError) -> [String]? {
        guard let list = try list(name) else { return nil }
        return try list.map { (item) throws(FleetConfigurationError) in
            guard let text = item as? String else { throw .wrongType(key: key(name), expected: "a list of strings") }
            return text
        }
    }

    func intList(_ name: String) throws(FleetConfigurationError) -> [Int]? {
        guard let list = try list(name) else { return nil }
        return try list.map { (item) throws(FleetConfigurationError) in
            guard let number = item as? Int else { throw .wrongType(key: key(name), expected: "a list of integers") }
            return number
        }
    }

    func section(_ name: String) throws(FleetConfigurationError) -> ProfileReader? {
        guard let value = values[name] else { return nil }
        return try ProfileReader(value, path: key(name))
    }
}
