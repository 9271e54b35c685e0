import FleetMetrics
import Foundation
import Yams

extension MPSimulatorConfiguration {
    /// Every top-level key, in documentation order.
    public static let keys: [String] = [
        "host", "tlsPort", "httpPort", "httpTLS", "adminPort", "adminHost", "tlsMinimumVersion",
        "tlsMaximumVersion", "clientCertificate", "serverKey", "tlsEngine", "identityCheck", "signatureVerification", "approval",
        "honorProposedSMSID", "tcpIdleTimeout", "httpHold", "httpQueueLimit", "httpIdleIntervals",
        "httpMinimumIdle", "handshakeTimeout", "maximumPayloadSize", "timestampStyle", "pushThrottle", "typeMap",
        "serverID", "collections", "foreignClients", "stateDirectory", "adminBearerToken", "expectedSessions", "faults",
    ]

    /// Parses a YAML document (an empty document gives the defaults) and validates it.
    public static func load(yaml: String) throws(MPSimulatorConfigurationError) -> MPSimulatorConfiguration {
        let configuration: MPSimulatorConfiguration
        do {
            if yaml.allSatisfy(\.isWhitespace) {
                configuration = MPSimulatorConfiguration()
            } else {
                configuration = try YAMLDecoder().decode(MPSimulatorConfiguration.self, from: yaml)
            }
        } catch let error as MPSimulatorConfigurationError {
            throw error
        } catch let error as DecodingError {
            throw Self.translate(error)
        } catch {
            throw .malformedDocument(String(describing: error))
        }
        try configuration.validate()
        return configuration
    }

    /// Reads and parses a YAML file.
    public static func load(file path: String) throws(MPSimulatorConfigurationError) -> MPSimulatorConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .malformedDocument("cannot read \(path): \(error.localizedDescription)")
        }
        return try load(yaml: text)
    }

    static func translate(_ error: DecodingError) -> MPSimulatorConfigurationError {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return .wrongType(key: path(context.codingPath), expected: Self.typeName(type))
        case .valueNotFound(let type, let context):
            return .wrongType(key: path(context.codingPath), expected: Self.typeName(type))
        case .keyNotFound(let key, let context):
            return .missingValue(key: path(context.codingPath + [key]))
        case .dataCorrupted(let context):
            // Yams wraps what `init(from:)` throws.
            if let underlying = context.underlyingError as? MPSimulatorConfigurationError { return underlying }
            if let underlying = context.underlyingError as? DecodingError { return translate(underlying) }
            if context.codingPath.isEmpty {
                let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                return .malformedDocument(reason)
            }
            return .invalidValue(key: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .malformedDocument(String(describing: error))
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int?.Type: "an integer"
        case is Bool.Type, is Bool?.Type: "true or false"
        case is String.Type, is String?.Type: "a string"
        case is Double.Type: "a number"
        default: "a value of type \(type)"
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: ConfigurationKey.self)
        try container.rejectUnknownKeys(Self.keys, prefix: "")
        host = try container.value("host", default: host)
        tlsPort = try container.value("tlsPort", default: tlsPort)
        httpPort = try container.optionalPort("httpPort", default: httpPort)
        httpTLS = try container.value("httpTLS", default: httpTLS)
        adminPort = try container.optionalPort("adminPort", default: adminPort)
        adminHost = try container.value("adminHost", default: adminHost)
        tlsMinimumVersion = try container.choice("tlsMinimumVersion", default: tlsMinimumVersion)
        tlsMaximumVersion = try container.choice("tlsMaximumVersion", default: tlsMaximumVersion)
        clientCertificate = try container.choice("clientCertificate", default: clientCertificate)
        serverKey = try container.choice("serverKey", default: serverKey)
        tlsEngine = try container.choice("tlsEngine", default: tlsEngine)
        identityCheck = try container.choice("identityCheck", default: identityCheck)
        signatureVerification = try container.choice("signatureVerification", default: signatureVerification)
        approval = try container.choice("approval", default: approval)
        honorProposedSMSID = try container.value("honorProposedSMSID", default: honorProposedSMSID)
        tcpIdleTimeout = try container.duration("tcpIdleTimeout", default: tcpIdleTimeout)
        httpHold = try container.duration("httpHold", default: httpHold)
        httpQueueLimit = try container.value("httpQueueLimit", default: httpQueueLimit)
        httpIdleIntervals = try container.value("httpIdleIntervals", default: httpIdleIntervals)
        httpMinimumIdle = try container.duration("httpMinimumIdle", default: httpMinimumIdle)
        handshakeTimeout = try container.duration("handshakeTimeout", default: handshakeTimeout)
        maximumPayloadSize = try container.value("maximumPayloadSize", default: maximumPayloadSize)
        timestampStyle = try container.choice("timestampStyle", default: timestampStyle)
        if try container.contains("pushThrottle") && !container.decodeNil(forKey: ConfigurationKey("pushThrottle")) {
            let nested = try container.nestedContainer(keyedBy: ConfigurationKey.self, forKey: ConfigurationKey("pushThrottle"))
            try nested.rejectUnknownKeys(["clientsPerBatch", "batchInterval"], prefix: "pushThrottle.")
            guard nested.contains("clientsPerBatch") else {
                throw MPSimulatorConfigurationError.missingValue(key: "pushThrottle.clientsPerBatch")
            }
            let perBatch: Int = try nested.value("clientsPerBatch", default: 1)
            guard perBatch >= 1 else {
                throw MPSimulatorConfigurationError.invalidValue(key: "pushThrottle.clientsPerBatch", reason: "must be at least 1")
            }
            pushThrottle = PushThrottle(
                clientsPerBatch: perBatch,
                batchInterval: try nested.duration("batchInterval", default: .seconds(1))
            )
        }
        if container.contains("typeMap") {
            let raw: [String: Int] = try container.value("typeMap", default: [:])
            var map: [Int: Int] = [:]
            for (key, value) in raw {
                guard let type = Int(key) else {
                    throw MPSimulatorConfigurationError.invalidValue(
                        key: "typeMap.\(key)",
                        reason: "admin Type keys must be integers"
                    )
                }
                map[type] = value
            }
            typeMap = map
        }
        serverID = try container.value("serverID", default: serverID)
        collections = try container.value("collections", default: collections)
        foreignClients = try container.value("foreignClients", default: foreignClients)
        stateDirectory = try container.value("stateDirectory", default: stateDirectory)
        adminBearerToken = try container.optionalValue("adminBearerToken", default: adminBearerToken)
        expectedSessions = try container.optionalValue("expectedSessions", default: expectedSessions)
        if try container.contains("faults") && !container.decodeNil(forKey: ConfigurationKey("faults")) {
            let nested = try container.nestedContainer(keyedBy: ConfigurationKey.self, forKey: ConfigurationKey("faults"))
            try nested.rejectUnknownKeys(["signInConfirmDelay", "ignoreKeepAlives"], prefix: "faults.")
            faults = Faults(
                signInConfirmDelay: try nested.duration("signInConfirmDelay", default: .zero),
                ignoreKeepAlives: try nested.value("ignoreKeepAlives", default: false)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ConfigurationKey.self)
        try container.encode(host, forKey: "host")
        try container.encode(tlsPort, forKey: "tlsPort")
        try container.encode(httpPort, forKey: "httpPort")
        try container.encode(httpTLS, forKey: "httpTLS")
        try container.encode(adminPort, forKey: "adminPort")
        try container.encode(adminHost, forKey: "adminHost")
        try container.encode(tlsMinimumVersion, forKey: "tlsMinimumVersion")
        try container.encode(tlsMaximumVersion, forKey: "tlsMaximumVersion")
        try container.encode(clientCertificate, forKey: "clientCertificate")
        try container.encode(serverKey, forKey: "serverKey")
        try container.encode(tlsEngine, forKey: "tlsEngine")
        try container.encode(identityCheck, forKey: "identityCheck")
        try container.encode(signatureVerification, forKey: "signatureVerification")
        try container.encode(approval, forKey: "approval")
        try container.encode(honorProposedSMSID, forKey: "honorProposedSMSID")
        try container.encode(DurationText.format(tcpIdleTimeout), forKey: "tcpIdleTimeout")
        try container.encode(DurationText.format(httpHold), forKey: "httpHold")
        try container.encode(httpQueueLimit, forKey: "httpQueueLimit")
        try container.encode(httpIdleIntervals, forKey: "httpIdleIntervals")
        try container.encode(DurationText.format(httpMinimumIdle), forKey: "httpMinimumIdle")
        try container.encode(DurationText.format(handshakeTimeout), forKey: "handshakeTimeout")
        try container.encode(maximumPayloadSize, forKey: "maximumPayloadSize")
        try container.encode(timestampStyle, forKey: "timestampStyle")
        if let pushThrottle {
            var nested = container.nestedContainer(keyedBy: ConfigurationKey.self, forKey: "pushThrottle")
            try nested.encode(pushThrottle.clientsPerBatch, forKey: "clientsPerBatch")
            try nested.encode(DurationText.format(pushThrottle.batchInterval), forKey: "batchInterval")
        }
        try container.encode(
            Dictionary(uniqueKeysWithValues: typeMap.map { (String($0.key), $0.value) }),
            forKey: "typeMap"
        )
        try container.encode(serverID, forKey: "serverID")
        try container.encode(collections, forKey: "collections")
        try container.encode(foreignClients, forKey: "foreignClients")
        try container.encode(stateDirectory, forKey: "stateDirectory")
        try container.encodeIfPresent(adminBearerToken, forKey: "adminBearerToken")
        try container.encodeIfPresent(expectedSessions, forKey: "expectedSessions")
        var nested = container.nestedContainer(keyedBy: ConfigurationKey.self, forKey: "faults")
        try nested.encode(DurationText.format(faults.signInConfirmDelay), forKey: "signInConfirmDelay")
        try nested.encode(faults.ignoreKeepAlives, forKey: "ignoreKeepAlives")
    }
}

/// A string coding key, so unknown keys can be listed.
struct ConfigurationKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) { stringValue = string }
    init(stringLiteral value: String) { stringValue = value }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue) }
}

extension KeyedDecodingContainer where Key == ConfigurationKey {
    func contains(_ key: String) -> Bool { contains(ConfigurationKey(key)) }

    func rejectUnknownKeys(_ known: [String], prefix: String) throws {
        for key in allKeys where !known.contains(key.stringValue) {
            throw MPSimulatorConfigurationError.unknownKey(prefix + key.stringValue, known: known.map { prefix + $0 })
        }
    }

    func value<T: Decodable>(_ key: String, default value: T) throws -> T {
        try decodeIfPresent(T.self, forKey: ConfigurationKey(key)) ?? value
    }

    /// An optional value: absent keeps the default, `null` clears it.
    func optionalValue<T: Decodable>(_ key: String, default value: T?) throws -> T? {
        let codingKey = ConfigurationKey(key)
        guard contains(codingKey) else { return value }
        if try decodeNil(forKey: codingKey) { return nil }
        return try decode(T.self, forKey: codingKey)
    }

    /// A port that may be disabled with `null`, `disabled` or `off`.
    func optionalPort(_ key: String, default value: Int?) throws -> Int? {
        let codingKey = ConfigurationKey(key)
        guard contains(codingKey) else { return value }
        if try decodeNil(forKey: codingKey) { return nil }
        if let text = try? decode(String.self, forKey: codingKey) {
            if ["disabled", "off", "none"].contains(text.lowercased()) { return nil }
            guard let port = Int(text) else {
                throw MPSimulatorConfigurationError.wrongType(key: key, expected: "a port number or 'disabled'")
            }
            return port
        }
        do {
            return try decode(Int.self, forKey: codingKey)
        } catch {
            throw MPSimulatorConfigurationError.wrongType(key: key, expected: "a port number or 'disabled'")
        }
    }

    /// One of an enumeration's raw values, with the allowed values in the error.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) throws -> T
    where T.RawValue == String {
        let codingKey = ConfigurationKey(key)
        guard contains(codingKey) else { return value }
        let text: String
        if let string = try? decode(String.self, forKey: codingKey) {
            text = string
        } else if let number = try? decode(Double.self, forKey: codingKey) {
            // YAML reads `1.0` as a number.
            text = String(format: "%.1f", number)
        } else {
            throw MPSimulatorConfigurationError.wrongType(key: key, expected: "a string")
        }
        guard let choice = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw MPSimulatorConfigurationError.invalidValue(key: key, reason: "'\(text)' is not one of \(allowed)")
        }
        return choice
    }

    /// A duration: a number of seconds or a string with a unit.
    func duration(_ key: String, default value: Duration) throws -> Duration {
        let codingKey = ConfigurationKey(key)
        guard contains(codingKey) else { return value }
        if let seconds = try? decode(Double.self, forKey: codingKey) {
            guard seconds >= 0, seconds.isFinite else {
                throw MPSimulatorConfigurationError.invalidValue(key: key, reason: "must not be negative")
            }
            return .nanoseconds(Int64(seconds * 1e9))
        }
        guard let text = try? decode(String.self, forKey: codingKey) else {
            throw MPSimulatorConfigurationError.wrongType(key: key, expected: "a duration such as 500ms, 30s, 45m or 1h")
        }
        guard let duration = DurationText.parse(text) else {
            throw MPSimulatorConfigurationError.invalidValue(
                key: key,
                reason: "'\(text)' is not a duration such as 500ms, 30s, 45m or 1h"
            )
        }
        return duration
    }
}

extension KeyedEncodingContainer where Key == ConfigurationKey {
    mutating func encode<T: Encodable>(_ value: T, forKey key: String) throws {
        try encode(value, forKey: ConfigurationKey(key))
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: String) throws {
        try encodeIfPresent(value, forKey: ConfigurationKey(key))
    }

    mutating func nestedContainer(keyedBy: ConfigurationKey.Type, forKey key: String) -> KeyedEncodingContainer<ConfigurationKey> {
        nestedContainer(keyedBy: ConfigurationKey.self, forKey: ConfigurationKey(key))
    }
}

