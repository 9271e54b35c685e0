import Foundation

/// The AdminService credentials of triggers, read from a file or the environment (never from the
/// command line) and never printed: `description`, `debugDescription` and reflection show the
/// scheme and where it came from, not the secret.
///
/// Sources, first match wins: the profile's `trigger-auth: {bearer-file: PATH}` or
/// `{basic-file: PATH}` (a file holding the token, or `USER:PASSWORD`, on its first line), the
/// profile's literal `{bearer: …}` / `{basic: USER:PASSWORD}` (discouraged: the secret sits in the
/// profile), then the environment: `BGBFLEET_TRIGGER_TOKEN`, or `BGBFLEET_TRIGGER_USER` with
/// `BGBFLEET_TRIGGER_PASSWORD`.
public struct TriggerCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Scheme: String, Sendable, Hashable {
        case bearer
        case basic
    }

    public let scheme: Scheme
    /// Where the secret came from ("file /run/secrets/token", "environment BGBFLEET_TRIGGER_TOKEN").
    public let source: String
    /// The token, or `USER:PASSWORD`.
    private let secret: String

    public static let tokenVariable = "BGBFLEET_TRIGGER_TOKEN"
    public static let userVariable = "BGBFLEET_TRIGGER_USER"
    public static let passwordVariable = "BGBFLEET_TRIGGER_PASSWORD"

    public init(scheme: Scheme, secret: String, source: String) {
        self.scheme = scheme
        self.secret = secret
        self.source = source
    }

    /// The `Authorization` header value.
    public var authorization: String {
        switch scheme {
        case .bearer: "Bearer \(secret)"
        case .basic: "Basic \(Data(secret.utf8).base64EncodedString())"
        }
    }

    /// Every form of the secret that could leak into a file (for tests and redaction checks).
    public var secretForms: [String] {
        [secret, Data(secret.utf8).base64EncodedString()]
    }

    public var description: String { "\(scheme.rawValue) credentials from \(source) (redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["scheme": scheme, "source": source]) }

    /// Reads the first line of `path`: a token (`bearer`) or `USER:PASSWORD` (`basic`).
    /// - Throws: ``FleetConfigurationError`` naming `key` and the file.
    public static func read(scheme: Scheme, file path: String, key: String) throws(FleetConfigurationError) -> TriggerCredentials {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read it (permissions?)" : "no such file"
            throw .invalid(key: key, value: path, reason: reason)
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !secret.isEmpty else { throw .invalid(key: key, value: path, reason: "the file is empty") }
        if scheme == .basic, !secret.contains(":") {
            throw .invalid(key: key, value: path, reason: "expected USER:PASSWORD on the first line")
        }
        return TriggerCredentials(scheme: scheme, secret: secret, source: "file \(path)")
    }

    /// The credentials of the environment, or nil when none of the variables is set.
    /// - Throws: ``FleetConfigurationError`` naming the missing variable when only one of
    ///   `BGBFLEET_TRIGGER_USER` / `BGBFLEET_TRIGGER_PASSWORD` is set, or one is empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(FleetConfigurationError) -> TriggerCredentials? {
        let token = environment[tokenVariable]
        let user = environment[userVariable]
        let password = environment[passwordVariable]
        if let token {
            guard !token.isEmpty else { throw .invalid(key: tokenVariable, value: "", reason: "the environment variable is empty") }
            guard user == nil, password == nil else {
                throw .invalid(key: tokenVariable, value: "(set)", reason: "give either \(tokenVariable) or \(userVariable)/\(passwordVariable), not both")
            }
            return TriggerCredentials(scheme: .bearer, secret: token, source: "environment \(tokenVariable)")
        }
        switch (user, password) {
        case (nil, nil):
            return nil
        case (let user?, let password?):
            guard !user.isEmpty else { throw .invalid(key: userVariable, value: "", reason: "the environment variable is empty") }
            return TriggerCredentials(scheme: .basic, secret: "\(user):\(password)", source: "environment \(userVariable)/\(passwordVariable)")
        case (nil, _?):
            throw .invalid(key: userVariable, value: "(unset)", reason: "\(passwordVariable) is set: set \(userVariable) too")
        case (_?, nil):
            throw .invalid(key: passwordVariable, value: "(unset)", reason: "\(userVariable) is set: set \(passwordVariable) too")
        }
    }

    /// Reads `trigger-auth`: `{bearer-file: PATH}`, `{basic-file: PATH}`, or the literal
    /// `{bearer: TOKEN}` / `{basic: USER:PASSWORD}`.
    static func parse(_ auth: ProfileReader) throws(FleetConfigurationError) -> TriggerCredentials? {
        try auth.checkKeys(["bearer", "basic", "bearer-file", "basic-file"])
        guard auth.values.count <= 1 else {
            throw .invalid(key: auth.path, value: auth.values.keys.sorted().joined(separator: ", "), reason: "give one of bearer-file, basic-file, bearer, basic")
        }
        if let path = try auth.string("bearer-file") { return try read(scheme: .bearer, file: path, key: auth.key("bearer-file")) }
        if let path = try auth.string("basic-file") { return try read(scheme: .basic, file: path, key: auth.key("basic-file")) }
        if let token = try auth.string("bearer") { return TriggerCredentials(scheme: .bearer, secret: token, source: "the profile") }
        if let pair = try auth.string("basic") { return TriggerCredentials(scheme: .basic, secret: pair, source: "the profile") }
        return nil
    }
}
