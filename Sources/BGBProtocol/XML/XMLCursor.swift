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

    /// `what` is only built for the error (an eager interpolation would allocate on every tag).
    mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws(XMLError) {
        guard let next = peek() else { throw .unexpectedEnd(offset: position) }
        guard next == byte else { throw .malformed("expected \(what())", offset: position) }
        position += 1
    }

    /// Reads a closing tag's name (the rules of ``readName()``) and checks it against `name`, building
    /// a `String` only when the bytes differ.
    mutating func readClosingName(matching name: String, closeStart: Int) throws(XMLError) {
        let start = position
        while let byte = peek(), Self.isNameByte(byte) { position += 1 }
        guard position > start else {
            if isAtEnd { throw .unexpectedEnd(offset: position) }
            throw .malformed("expected a name", offset: position)
        }
        let found = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        let matches =
            name.utf8.withContiguousStorageIfAvailable { stored in
                guard stored.count == found.count else { return false }
                for index in 0..<stored.count where stored[index] != found[index] { return false }
                return true
            } ?? name.utf8.elementsEqual(found)
        if matches { return }
        // Different bytes may still be the same String (invalid UTF-8 repaired, canonical equivalence).
        let closing = String(decoding: found, as: UTF8.self)
        guard closing == name else {
            throw .mismatchedTag(expected: name, found: closing, offset: closeStart)
        }
    }

    /// The end of the run of bytes from `position` that are none of `stop1`, `stop2`, `stop3`.
    func runEnd(stoppingAt stop1: UInt8, _ stop2: UInt8, _ stop3: UInt8) -> Int {
        var index = position
        while index < bytes.count {
            let byte = bytes[index]
            if byte == stop1 || byte == stop2 || byte == stop3 { break }
            index += 1
        }
        return index
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
        // Content. Plain text is scanned in runs; while the content is a single run, it is only
        // remembered (`singleRun`) and never copied into `text`.
        var text: [UInt8] = []
        var singleRun: Range<Int>?
        var textCount = 0
        while true {
            guard let byte = peek() else { throw .unexpectedEnd(offset: position) }
            if byte == UInt8(ascii: "<") {
                if hasPrefix("</") {
                    let closeStart = position
                    position += 2
                    try readClosingName(matching: name, closeStart: closeStart)
                    skipWhitespace()
                    try expect(UInt8(ascii: ">"), "'>' closing </\(name)")
                    if let run = singleRun {
                        // The common case: one run of plain text, made a String straight from the input.
                        if element.children.isEmpty {
                            element.text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[run]), as: UTF8.self)
                            return element
                        }
                        text.append(contentsOf: bytes[run])
                    }
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
                    Self.flush(&singleRun, into: &text, from: bytes)
                    text.append(contentsOf: bytes[start..<(position - 3)])
                    textCount = text.count
                    try checkLength(textCount, element: name)
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
                    let child = try parseElement(depth: depth + 1)
                    // One allocation for the usual handful of children instead of regrowing 1→2→4→8.
                    if element.children.isEmpty { element.children.reserveCapacity(8) }
                    element.children.append(child)
                }
            } else if byte == UInt8(ascii: "&") {
                Self.flush(&singleRun, into: &text, from: bytes)
                try appendEntity(to: &text)
                textCount = text.count
                try checkLength(textCount, element: name)
            } else {
                let start = position
                let end = runEnd(stoppingAt: UInt8(ascii: "<"), UInt8(ascii: "&"), UInt8(ascii: "&"))
                let room = limits.maximumTextLength - textCount
                if end - start > room {
                    // The byte that passes the limit, as if the text were read byte by byte.
                    position = start + room + 1
                    throw .textTooLong(element: name, limit: limits.maximumTextLength, offset: position)
                }
                position = end
                textCount += end - start
                if textCount == end - start, text.isEmpty {
                    singleRun = start..<end
                } else {
                    Self.flush(&singleRun, into: &text, from: bytes)
                    text.append(contentsOf: bytes[start..<end])
                }
            }
        }
    }

    /// Copies a remembered run of text into `text`.
    @inline(__always)
    static func flush(_ run: inout Range<Int>?, into text: inout [UInt8], from bytes: UnsafeRawBufferPointer) {
        if let pending = run {
            text.append(contentsOf: bytes[pending])
            run = nil
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
        // Fast path: a value without entities is made a String straight from the input.
        let runStart = position
        let runStop = runEnd(stoppingAt: quote, UInt8(ascii: "<"), UInt8(ascii: "&"))
        if runStop < bytes.count, bytes[runStop] == quote, runStop - runStart <= limits.maximumTextLength {
            position = runStop + 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[runStart..<runStop]), as: UTF8.self)
        }
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
                let start = position
                let end = runEnd(stoppingAt: quote, UInt8(ascii: "<"), UInt8(ascii: "&"))
                let room = limits.maximumTextLength - value.count
                if end - start > room {
                    // The byte that passes the limit, as if the value were read byte by byte.
                    position = start + room + 1
                    throw .textTooLong(element: element, limit: limits.maximumTextLength, offset: position)
                }
                value.append(contentsOf: bytes[start..<end])
                position = end
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
