import Foundation

/// A ConfigMgr client SMSID: `GUID:` followed by a canonical 8-4-4-4-12 GUID in upper case,
/// 41 characters in all, e.g. `GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC` (protocol §6.2).
///
/// SMSIDs compare case-insensitively; this type stores the canonical upper-case form, so
/// `==` is that comparison. The pool mints a random one for every identity; registration may
/// later replace it with the one the MP assigns (see ``RegistrationState/assignedSMSID``).
public struct PoolSMSID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The canonical text, `GUID:` + upper-case GUID.
    public let rawValue: String

    /// The length of every SMSID: 5 for `GUID:` plus 36 for the GUID.
    public static let length = 41

    /// Parses an SMSID, accepting any letter case (`guid:ed8c…` too) and storing it in
    /// canonical upper case. Returns `nil` unless the text is `GUID:` followed by a GUID in
    /// 8-4-4-4-12 hexadecimal form.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == Self.length else { return nil }
        var canonical = [UInt8]()
        canonical.reserveCapacity(Self.length)
        for (offset, byte) in utf8.enumerated() {
            let upper = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
            switch offset {
            case 0: guard upper == UInt8(ascii: "G") else { return nil }
            case 1: guard upper == UInt8(ascii: "U") else { return nil }
            case 2: guard upper == UInt8(ascii: "I") else { return nil }
            case 3: guard upper == UInt8(ascii: "D") else { return nil }
            case 4: guard upper == UInt8(ascii: ":") else { return nil }
            case 13, 18, 23, 28: guard upper == UInt8(ascii: "-") else { return nil }
            default:
                let isDigit = upper >= UInt8(ascii: "0") && upper <= UInt8(ascii: "9")
                let isHexLetter = upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "F")
                guard isDigit || isHexLetter else { return nil }
            }
            canonical.append(upper)
        }
        self.rawValue = String(decoding: canonical, as: UTF8.self)
    }

    /// Wraps text already known to be canonical (read back from a checksummed pool file).
    init(uncheckedCanonical rawValue: String) {
        self.rawValue = rawValue
    }

    /// A new random SMSID, as a client minting its own would (protocol §6.2, lenient runs).
    public static func random() -> PoolSMSID {
        PoolSMSID(uncheckedCanonical: "GUID:" + UUID().uuidString.uppercased())
    }

    /// The GUID part without the `GUID:` prefix.
    public var guid: String { String(rawValue.dropFirst(5)) }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = PoolSMSID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an SMSID (GUID: + canonical GUID): \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
