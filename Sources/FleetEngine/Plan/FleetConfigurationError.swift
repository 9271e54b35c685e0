/// A profile or flag value that cannot make a run; the message names the key.
public enum FleetConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalid(key: String, value: String, reason: String)
    case unknownKey(String, allowed: [String])
    case wrongType(key: String, expected: String)
    case unreadable(path: String, reason: String)
    case impossiblePlan(String)

    public var description: String {
        switch self {
        case .invalid(let key, let value, let reason): "\(key): \"\(value)\" is not valid: \(reason)"
        case .unknownKey(let key, let allowed): "unknown key \"\(key)\" (allowed here: \(allowed.joined(separator: ", ")))"
        case .wrongType(let key, let expected): "\(key): expected \(expected)"
        case .unreadable(let path, let reason): "cannot read profile \(path): \(reason)"
        case .impossiblePlan(let message): message
        }
    }
}
