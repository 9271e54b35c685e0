/// The scanning state of ``XMLReader``: a position in a borrowed byte buffer.
struct XMLCursor {
    let bytes: UnsafeRawBufferPointer
    let limits: XMLReader.Limits
    var position = 0
    var elementCount = 0

    init(bytes: UnsafeRawBufferPointer, limits: XMLReader.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    var isAtEnd: Bool { position >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    func hasPrefix(_ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard position + length <= bytes.count else { return false }
        let start = prefix.utf8Start
        for index in 0..<length where bytes[position + index] != start[index] {
            return false
        }
        return true
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: ":"):
            true
        default:
            byte >= 0x80
        }
    }

    mutating func skipWhitespace() {
        while let byte = peek(), Self.isWhitespace(byte) { position += 1 }
    }

    /// Skips whitespace, comments and processing instructions (the XML declaration among them).
    mutating func skipMisc() throws(XMLError) {
        while true {
            skipWhitespace()
            if hasPrefix("<?") {
                try skip(past: "?>")
            } else if hasPrefix("<!--") {
                try skip(past: "-->")
            } else if hasPrefix("<!") {
                throw .doctypeNotAllowed(offset: position)
            } else {
                return
            }
        }
    }

    mutating func skip(past terminator: StaticString) throws(XMLError) {
        let start = position
        while !isAtEnd {
            if hasPrefix(terminator) {
                position += terminator.utf8CodeUnitCount
                return
            }
            position += 1
        }
        throw .unexpectedEnd(offset: start)
    }

    mutating func readName() throws(XMLError) -> String {
        let start = position
        while let byte = peek(), Self.isNameByte(byte) { position += 1 }
        guard position > start else {
            if isAtEnd { throw .unexpectedEnd(offset: position) }
            throw .malformed("expected a name", offset: position)
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(XMLError) {
        guard let next = peek() else { throw .unexpectedEnd(offset: position) }
        guard next == byte else { throw .malformed("expected \(what)", offset: position) }
        position += 1
    }

    /// Parses an element starting at `<`. Depth 1 is the root.
    mutating func parseElement(depth: Int) throws(XMLError) -> XMLElement {
        let tagStart = position
        position += 1  // "<"
        let name = try readName()
        elementCount += 1
        if elementCount > limits.maximumElements {
            throw .tooManyElements(limit: limits.maximumElements, offset: tagStart)
        }
        var element = XMLElement(name: name)
        // Attributes.
        while true {
            let beforeWhitespace = position
            skipWhitespace()
            guard let byte = peek() else { throw .unexpectedEnd(offset: position) }
            if byte == UInt8(ascii: "/") {
                position += 1
                try expect(UInt8(ascii: ">"), "'>' after '/'")
                return element
            }
            if byte == UInt8(ascii: ">") {
                position += 1
                break
            }
            guard position > beforeWhitespace else {
                throw .malformed("expected whitespace before an attribute", offset: position)
            }
            let attributeName = try readName()
            skipWhitespace()
            try expect(UInt8(ascii: "="), "'=' after attribute \(attributeName)")
            skipWhitespace()
            let value = try readAttributeValue(element: name)
            element.attributes.append(.init(name: attributeName, value: value))
        }
        // Content.
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw .unexpectedEnd(offset: position) }
            if byte == UInt8(ascii: "<") {
                if hasPrefix("</") {
                    let closeStart = position
                    position += 2
                    let closing = try readName()
                    guard closing == name else {
                        throw .mismatchedTag(expected: name, found: closing, offset: closeStart)
                    }
                    skipWhitespace()
                    try expect(UInt8(ascii: ">"), "'>' closing </\(name)")
                    if !element.children.isEmpty {
                        // Mixed content: whitespace between children is layout, not text.
                        text.removeAll { Self.isWhitespace($0) }
                    }
                    element.text = String(decoding: text, as: UTF8.self)
                    return element
                } else if hasPrefix("<!--") {
                    try skip(past: "-->")
                } else if hasPrefix("<![CDATA[") {
                    position += 9
                    let start = position
                    try skip(past: "]]>")
                    text.append(contentsOf: bytes[start..<(position - 3)])
                    try checkLength(text.count, element: name)
                } else if hasPrefix("<?") {
                    try skip(past: "?>")
                } else if hasPrefix("<!") {
                    throw .doctypeNotAllowed(offset: position)
                } else {
                    guard depth < limits.maximumDepth else {
                        var probe = self
                        probe.position += 1
                        let childName = (try? probe.readName()) ?? "?"
                        throw .unexpectedNesting(element: childName, depth: depth + 1, offset: position)
                    }
                    element.children.append(try parseElement(depth: depth + 1))
                }
            } else if byte == UInt8(ascii: "&") {
                try appendEntity(to: &text)
                try checkLength(text.count, element: name)
            } else {
                text.append(byte)
                position += 1
                if text.count > limits.maximumTextLength {
                    throw .textTooLong(element: name, limit: limits.maximumTextLength, offset: position)
                }
            }
        }
    }

    func checkLength(_ length: Int, element: String) throws(XMLError) {
        if length > limits.maximumTextLength {
            throw .textTooLong(element: element, limit: limits.maximumTextLength, offset: position)
        }
    }

    mutating func readAttributeValue(element: String) throws(XMLError) -> String {
        guard let quote = peek() else { throw .unexpectedEnd(offset: position) }
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw .malformed("expected a quoted attribute value", offset: position)
        }
        position += 1
        var value: [UInt8] = []
        while true {
            guard let byte = peek() else { throw .unexpectedEnd(offset: position) }
            if byte == quote {
                position += 1
                return String(decoding: value, as: UTF8.self)
            }
            if byte == UInt8(ascii: "<") {
                throw .malformed("'<' in an attribute value", offset: position)
            }
            if byte == UInt8(ascii: "&") {
                try appendEntity(to: &value)
            } else {
                value.append(byte)
                position += 1
            }
            try checkLength(value.count, element: element)
        }
    }

    /// Decodes `&name;` at the cursor into `output`.
    mutating func appendEntity(to output: inout [UInt8]) throws(XMLError) {
        let start = position
        position += 1
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: ";"), end - position < 12 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else {
            throw .malformed("unterminated entity reference", offset: start)
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        switch name {
        case "amp": output.append(UInt8(ascii: "&"))
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "quot": output.append(UInt8(ascii: "\""))
        case "apos": output.append(UInt8(ascii: "'"))
        default:
            guard name.hasPrefix("#") else { throw .unknownEntity(name, offset: start) }
            let digits = name.dropFirst()
            let scalarValue: UInt32? =
                digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let scalarValue, let scalar = Unicode.Scalar(scalarValue), scalarValue != 0 else {
                throw .malformed("invalid character reference &\(name);", offset: start)
            }
            if !limits.allowsNonASCII, scalarValue >= 0x80 {
                throw .nonASCII(byte: UInt8(truncatingIfNeeded: scalarValue), offset: start)
            }
            output.append(contentsOf: String(Character(scalar)).utf8)
        }
    }
}
