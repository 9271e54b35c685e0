/// A ConfigMgr client version, `{major}.{minor:00}.{build:0000}.{revision:0000}` (spec §6.3),
/// e.g. `5.00.9106.1000`.
public struct ClientVersion: Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var build: Int
    public var revision: Int

    public init(major: Int, minor: Int, build: Int, revision: Int) {
        precondition(major >= 0 && minor >= 0 && build >= 0 && revision >= 0, "version parts are non-negative")
        self.major = major
        self.minor = minor
        self.build = build
        self.revision = revision
    }

    /// The generator's default, as in the SDK vectors.
    public static let sdkDefault = ClientVersion(major: 5, minor: 0, build: 9106, revision: 1000)
    /// The registration `AgentVersion` default of the SDK.
    public static let agentDefault = ClientVersion(major: 5, minor: 0, build: 8325, revision: 0)

    /// Parses the four-part form; minor has at least 2 digits, build and revision at least 4.
    public init(_ text: String) throws(ClientVersionError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw .malformed(text) }
        let minimumDigits = [1, 2, 4, 4]
        var values: [Int] = []
        for (part, digits) in zip(parts, minimumDigits) {
            guard part.count >= digits, part.count <= 9, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(part)
            else { throw .malformed(text) }
            values.append(value)
        }
        let version = ClientVersion(major: values[0], minor: values[1], build: values[2], revision: values[3])
        guard version.description == text else { throw .malformed(text) }
        self = version
    }

    public var description: String {
        "\(major).\(Self.pad(minor, 2)).\(Self.pad(build, 4)).\(Self.pad(revision, 4))"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Why a string is not a client version.
public enum ClientVersionError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "client version \"\(text)\" is not of the form major.minor(2 digits).build(4).revision(4), e.g. 5.00.9106.1000"
        }
    }
}
