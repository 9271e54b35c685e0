import NIOCore

/// The opaque session id an MP hands out in the LogIn answer (spec §4.3).
///
/// Clients echo its bytes verbatim; the MP sim issues UTF-16LE upper-case `{GUID}` (76 bytes).
public struct BGBSessionID: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A session id holding `text` in UTF-16LE, as the MP sim and the test server issue.
    public init(utf16LE text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf16.count * 2)
        for unit in text.utf16 {
            bytes.append(UInt8(truncatingIfNeeded: unit))
            bytes.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        self.bytes = bytes
    }

    /// A new `{GUID}` session id.
    public static func random() -> BGBSessionID {
        BGBSessionID(utf16LE: "{" + GUIDText.random() + "}")
    }

    /// The id read as UTF-16LE (how the SDK logs it), or nil if it is not valid UTF-16LE.
    public var utf16LEText: String? {
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        for index in stride(from: 0, to: bytes.count, by: 2) {
            units.append(UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
        }
        var text = ""
        var iterator = units.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): text.unicodeScalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        return text
    }

    public var description: String {
        utf16LEText ?? bytes.map { String($0, radix: 16) }.joined(separator: " ")
    }
}

extension ByteBuffer {
    /// Writes `u32 LE length` followed by the session id bytes.
    @discardableResult
    public mutating func writeBGBSessionID(_ id: BGBSessionID) -> Int {
        writeInteger(UInt32(id.bytes.count), endianness: .little) + writeBytes(id.bytes)
    }

    /// Reads `u32 LE length` + that many bytes, refusing lengths over `maximumLength`.
    public mutating func readBGBSessionID(maximumLength: Int = 1024) throws(BGBHTTPBodyError) -> BGBSessionID {
        guard let length = getInteger(at: readerIndex, endianness: .little, as: UInt32.self) else {
            throw .truncated(field: "session id length", expected: 4, available: readableBytes)
        }
        guard Int(length) <= maximumLength else {
            throw .sessionIDTooLong(length: Int(length), maximum: maximumLength)
        }
        guard readableBytes >= 4 + Int(length) else {
            throw .truncated(field: "session id", expected: 4 + Int(length), available: readableBytes)
        }
        moveReaderIndex(forwardBy: 4)
        return BGBSessionID(bytes: readBytes(length: Int(length))!)
    }
}

/// Why an HTTP BGB body is malformed.
public enum BGBHTTPBodyError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated(field: String, expected: Int, available: Int)
    case sessionIDTooLong(length: Int, maximum: Int)
    case frame(BGBFrameError)
    case trailingBytes(Int)
    case headerSizeMismatch(headerSize: Int, xmlHeaderLength: Int)
    case messageHeader(String)

    public var description: String {
        switch self {
        case .truncated(let field, let expected, let available):
            "truncated body at \(field): \(expected) bytes expected, \(available) available"
        case .sessionIDTooLong(let length, let maximum):
            "session id length \(length) exceeds \(maximum)"
        case .frame(let error): "frame: \(error)"
        case .trailingBytes(let count): "\(count) bytes after the frame"
        case .headerSizeMismatch(let headerSize, let length):
            "HeaderSize \(headerSize) does not match the XML header length \(length)"
        case .messageHeader(let reason): "XML message header: \(reason)"
        }
    }
}
