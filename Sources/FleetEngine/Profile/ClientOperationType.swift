import Foundation

/// The admin-side `SMS_ClientOperation` Type names a profile's `triggers[].type` accepts beside
/// the numbers (spec §7.2, the Type table). Names are the actions in lower-case words joined by
/// hyphens, e.g. `download-computer-policy` for 8.
public enum ClientOperationType {
    /// Every named Type, in the spec's table order.
    public static let names: [(name: String, type: Int)] = [
        ("endpoint-protection-full-scan", 1),
        ("endpoint-protection-quick-scan", 2),
        ("endpoint-protection-download-definition", 3),
        ("evaluate-software-update", 4),
        ("exclude-scan-path", 5),
        ("override-default-action", 6),
        ("restore-quarantine-items", 7),
        ("download-computer-policy", 8),
        ("download-user-policy", 9),
        ("collect-discovery-data", 10),
        ("collect-software-inventory", 11),
        ("collect-hardware-inventory", 12),
        ("evaluate-application-deployments", 13),
        ("evaluate-software-update-deployments", 14),
        ("switch-to-next-software-update-point", 15),
        ("evaluate-device-health-attestation", 16),
        ("restart", 17),
        ("enable-verbose-logging", 20),
        ("disable-verbose-logging", 21),
        ("collect-client-logs", 22),
        ("check-conditional-access-compliance", 125),
        ("run-script", 135),
        ("cmpivot", 145),
        ("wake-up", 150),
    ]

    /// The Type of `name` (case-insensitive; `_` and spaces count as `-`), or nil.
    public static func type(named name: String) -> Int? {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: " ", with: "-")
        return names.first { $0.name == key }?.type
    }

    /// The name of `type`, or nil for a Type the table does not name.
    public static func name(of type: Int) -> String? {
        names.first { $0.type == type }?.name
    }
}
