import NIOCore

/// XML escaping for the encoders: `&amp; &lt; &gt;` in text, plus `&quot;` in attribute values.
public enum XMLEscaping {
    /// Whether `text` contains a byte that must be escaped.
    @inlinable
    public static func needsEscaping(_ text: String, inAttribute: Bool = false) -> Bool {
        text.utf8.contains { byte in
            byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || (inAttribute && byte == UInt8(ascii: "\""))
        }
    }

    /// The escaped form of `text`.
    public static func escape(_ text: String, inAttribute: Bool = false) -> String {
        guard needsEscaping(text, inAttribute: inAttribute) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where inAttribute: result += "&quot;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}

extension ByteBuffer {
    /// Writes `text` with XML escaping; the common case (nothing to escape) is one copy.
    @inlinable
    @discardableResult
    public mutating func writeXMLEscaped(_ text: String, inAttribute: Bool = false) -> Int {
        if XMLEscaping.needsEscaping(text, inAttribute: inAttribute) {
            return writeString(XMLEscaping.escape(text, inAttribute: inAttribute))
        }
        return writeString(text)
    }
}
