/// Why a document was rejected by ``XMLReader``. Offsets are byte offsets into the input.
public enum XMLError: Error, Hashable, Sendable, CustomStringConvertible {
    case nonASCII(byte: UInt8, offset: Int)
    case doctypeNotAllowed(offset: Int)
    case unexpectedNesting(element: String, depth: Int, offset: Int)
    case textTooLong(element: String, limit: Int, offset: Int)
    case unknownEntity(String, offset: Int)
    case mismatchedTag(expected: String, found: String, offset: Int)
    case tooManyElements(limit: Int, offset: Int)
    case unexpectedEnd(offset: Int)
    case malformed(String, offset: Int)

    public var description: String {
        switch self {
        case .nonASCII(let byte, let offset):
            "non-ASCII byte 0x\(String(byte, radix: 16)) at offset \(offset)"
        case .doctypeNotAllowed(let offset):
            "DOCTYPE or entity definition at offset \(offset) is not allowed"
        case .unexpectedNesting(let element, let depth, let offset):
            "element <\(element)> at offset \(offset) is nested \(depth) deep, deeper than the message allows"
        case .textTooLong(let element, let limit, let offset):
            "text of <\(element)> is longer than \(limit) bytes (at offset \(offset))"
        case .unknownEntity(let name, let offset):
            "unknown entity &\(name); at offset \(offset)"
        case .mismatchedTag(let expected, let found, let offset):
            "closing tag </\(found)> at offset \(offset) does not match <\(expected)>"
        case .tooManyElements(let limit, let offset):
            "more than \(limit) elements (at offset \(offset))"
        case .unexpectedEnd(let offset):
            "document ends unexpectedly at offset \(offset)"
        case .malformed(let reason, let offset):
            "malformed XML at offset \(offset): \(reason)"
        }
    }

    /// The byte offset the error refers to.
    public var offset: Int {
        switch self {
        case .nonASCII(_, let offset), .doctypeNotAllowed(let offset), .unexpectedNesting(_, _, let offset),
            .textTooLong(_, _, let offset), .unknownEntity(_, let offset), .mismatchedTag(_, _, let offset),
            .tooManyElements(_, let offset), .unexpectedEnd(let offset), .malformed(_, let offset):
            offset
        }
    }
}
