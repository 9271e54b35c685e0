/// The BGB wire `TaskType` of a push (spec §7.1): an open integer, carried as it is.
///
/// Do not confuse with the admin-side `SMS_ClientOperation` `Type` (8 = Download Computer Policy),
/// which the MP maps to a wire TaskType (8 → 1, 135/145 → 15).
public struct TaskType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let none = TaskType(rawValue: 0)
    /// "Download Computer Policy" (RequestPolicy).
    public static let requestPolicy = TaskType(rawValue: 1)
    /// Run Script / CMPivot; TaskParam carries the base64 script XML.
    public static let runScript = TaskType(rawValue: 15)

    /// Whether Microsoft's SDK accepts this TaskType (only 0 and 1; others close an SDK session).
    public var isAcceptedBySDK: Bool { rawValue == 0 || rawValue == 1 }

    public var description: String {
        switch rawValue {
        case 0: "0 (None)"
        case 1: "1 (RequestPolicy)"
        case 15: "15 (RunScript)"
        default: "\(rawValue)"
        }
    }
}

/// The `ReturnCode` of a Response. The Windows client sends 1; the MP sim counts 1 as success.
public struct ReturnCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// What the Windows client sends in every published sample.
    public static let success = ReturnCode(rawValue: 1)

    public var isSuccess: Bool { rawValue == 1 }

    public var description: String { String(rawValue) }
}
