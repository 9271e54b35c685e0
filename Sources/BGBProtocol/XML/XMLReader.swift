/// A small, strict-where-it-matters XML reader for BGB and ConfigMgr messages.
///
/// It accepts what the spec's decoder leniency asks for (§3.1.2): an XML declaration, comments,
/// whitespace, any attribute order, self-closing and empty forms, unknown elements and attributes,
/// the five predefined entities and numeric character references. It rejects, with a typed
/// ``XMLError``: non-ASCII bytes (unless allowed), DOCTYPE and entity definitions, nesting deeper
/// than ``Limits/maximumDepth``, text longer than ``Limits/maximumTextLength``, unknown entities
/// and anything not well formed. No input can make it recurse or allocate without bound.
public struct XMLReader: Sendable {
    public struct Limits: Sendable, Hashable {
        /// The root is depth 1; a BGB message's children are depth 2.
        public var maximumDepth: Int
        /// The longest text or attribute value, in bytes.
        public var maximumTextLength: Int
        /// The most elements in one document.
        public var maximumElements: Int
        /// Whether bytes ≥ 0x80 are allowed (BGB payloads are ASCII).
        public var allowsNonASCII: Bool

        public init(
            maximumDepth: Int = 2,
            maximumTextLength: Int = 1 << 20,
            maximumElements: Int = 64,
            allowsNonASCII: Bool = false
        ) {
            precondition(maximumDepth >= 1 && maximumTextLength >= 0 && maximumElements >= 1)
            self.maximumDepth = maximumDepth
            self.maximumTextLength = maximumTextLength
            self.maximumElements = maximumElements
            self.allowsNonASCII = allowsNonASCII
        }

        /// BGB messages: a root with text-only children, ASCII.
        public static let bgbMessage = Limits()
    }

    public var limits: Limits

    public init(limits: Limits = .bgbMessage) {
        self.limits = limits
    }

    /// Parses a whole document and returns its root element.
    public func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(XMLError) -> XMLElement {
        var result: Result<XMLElement, XMLError>?
        _ = bytes.withContiguousStorageIfAvailable { buffer in
            result = Self.capture { () throws(XMLError) in try parse(buffer: UnsafeRawBufferPointer(buffer)) }
        }
        if result == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { buffer in
                result = Self.capture { () throws(XMLError) in try parse(buffer: buffer) }
            }
        }
        return try result!.get()
    }

    static func capture(_ body: () throws(XMLError) -> XMLElement) -> Result<XMLElement, XMLError> {
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    /// Parses a whole document from a string's UTF-8 bytes.
    public func parse(_ string: String) throws(XMLError) -> XMLElement {
        try parse(Array(string.utf8))
    }

    func parse(buffer: UnsafeRawBufferPointer) throws(XMLError) -> XMLElement {
        if !limits.allowsNonASCII {
            // OR all bytes first (vectorisable); look for the offending byte only when there is one.
            var union: UInt8 = 0
            for byte in buffer { union |= byte }
            if union >= 0x80 {
                for (offset, byte) in buffer.enumerated() where byte >= 0x80 {
                    throw .nonASCII(byte: byte, offset: offset)
                }
            }
        }
        var cursor = XMLCursor(bytes: buffer, limits: limits)
        try cursor.skipMisc()
        guard cursor.peek() == UInt8(ascii: "<") else {
            if cursor.isAtEnd { throw .unexpectedEnd(offset: cursor.position) }
            throw .malformed("expected the root element", offset: cursor.position)
        }
        let root = try cursor.parseElement(depth: 1)
        try cursor.skipMisc()
        guard cursor.isAtEnd else {
            throw .malformed("content after the root element", offset: cursor.position)
        }
        return root
    }
}
