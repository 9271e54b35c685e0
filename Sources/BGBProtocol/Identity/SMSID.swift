/// A ConfigMgr client's unique ID: `GUID:` followed by an upper-case canonical GUID (spec §6.2),
/// e.g. `GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC`. Parsing accepts any hex case and stores the
/// canonical upper-case form, so equality is case-insensitive as the spec asks.
public struct SMSID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The canonical text, 41 ASCII characters.
    public let rawValue: String

    /// Parses an SMSID; throws ``SMSIDError`` naming what is wrong.
    public init(_ text: String) throws(SMSIDError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 41 else { throw .wrongLength(text, utf8.count) }
        let prefix = utf8[0..<5].map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        guard prefix == Array("GUID:".utf8) else { throw .missingPrefix(text) }
        guard let guid = GUIDText.canonical(utf8[5...]) else { throw .invalidGUID(text) }
        self.rawValue = "GUID:" + guid
    }

    /// An SMSID built from a canonical GUID string (`8-4-4-4-12`, any case).
    public init(guid: String) throws(SMSIDError) {
        try self.init("GUID:" + guid)
    }

    /// A new random SMSID, as the generator mints for lenient runs without registration.
    public static func random() -> SMSID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A random SMSID from the given generator (deterministic pools seed it).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> SMSID {
        try! SMSID(guid: GUIDText.random(using: &generator))
    }

    /// The GUID part without the `GUID:` prefix.
    public var guid: Substring { rawValue.dropFirst(5) }

    public var description: String { rawValue }

    public static func < (lhs: SMSID, rhs: SMSID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Why a string is not an SMSID.
public enum SMSIDError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength(String, Int)
    case missingPrefix(String)
    case invalidGUID(String)

    public var description: String {
        switch self {
        case .wrongLength(let text, let length):
            "SMSID \"\(text)\" has \(length) characters; expected 41 (GUID: + 36-character GUID)"
        case .missingPrefix(let text):
            "SMSID \"\(text)\" does not start with GUID:"
        case .invalidGUID(let text):
            "SMSID \"\(text)\" does not hold a canonical 8-4-4-4-12 hexadecimal GUID"
        }
    }
}

/// Canonical GUID text helpers (upper case, `8-4-4-4-12`).
public enum GUIDText {
    /// Validates a GUID (any hex case) and returns its upper-case form, or nil.
    public static func canonical<S: Collection<UInt8>>(_ bytes: S) -> String? {
        guard bytes.count == 36 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                output.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                output.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "f"):
                output.append(byte - 0x20)
            default:
                return nil
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Validates a GUID given as text, optionally in braces (`{…}`), returning the upper-case form.
    public static func canonical(_ text: String) -> String? {
        var utf8 = Substring(text).utf8[...]
        if utf8.first == UInt8(ascii: "{"), utf8.last == UInt8(ascii: "}") {
            utf8 = utf8.dropFirst().dropLast()
        }
        return canonical(utf8)
    }

    /// A random version-4 GUID in upper case.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }
        let joined = hex.joined()
        let characters = Array(joined)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16])
            + "-" + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }

    /// A random version-4 GUID in upper case.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }
}
