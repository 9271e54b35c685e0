/// The `multipart/mixed` body of ConfigMgr HTTP messaging (spec §5.2).
///
/// Encoding is exact: `--boundary CRLF`, lower-case `content-type` part headers, CRLF, the part bytes,
/// CRLF, …, and the closing delimiter with no final CRLF. Decoding is lenient (header-name case,
/// extra CRLFs around delimiters).
public struct CCMMultipart: Hashable, Sendable {
    /// The fixed boundary every ConfigMgr message uses.
    public static let boundary = "aAbBcCdDv1234567890VxXyYzZ"
    /// The request and reply `Content-Type` header value.
    public static let contentType = "multipart/mixed; boundary=\"\(boundary)\""

    public struct Part: Hashable, Sendable {
        public var headers: [HeaderField]
        public var body: [UInt8]

        public init(headers: [HeaderField], body: [UInt8]) {
            self.headers = headers
            self.body = body
        }

        /// The first header with this name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct HeaderField: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var boundary: String
    public var parts: [Part]

    public init(boundary: String = CCMMultipart.boundary, parts: [Part]) {
        self.boundary = boundary
        self.parts = parts
    }

    /// The body bytes.
    public func encode() -> [UInt8] {
        var output: [UInt8] = []
        let delimiter = Array(("--" + boundary).utf8)
        for part in parts {
            output += delimiter + [0x0D, 0x0A]
            for header in part.headers {
                output += Array("\(header.name): \(header.value)".utf8) + [0x0D, 0x0A]
            }
            output += [0x0D, 0x0A]
            output += part.body
            output += [0x0D, 0x0A]
        }
        output += delimiter + Array("--".utf8)
        return output
    }

    /// Why a body is not a ConfigMgr multipart message.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        case missingBoundary(contentType: String)
        case noOpeningDelimiter
        case unterminatedPart(index: Int)
        case malformedPartHeader(index: Int, line: String)
        case tooManyParts(limit: Int)

        public var description: String {
            switch self {
            case .missingBoundary(let contentType): "Content-Type \"\(contentType)\" has no multipart boundary"
            case .noOpeningDelimiter: "the body does not start with a boundary delimiter"
            case .unterminatedPart(let index): "part \(index + 1) has no closing boundary delimiter"
            case .malformedPartHeader(let index, let line): "part \(index + 1) has a malformed header \"\(line)\""
            case .tooManyParts(let limit): "more than \(limit) parts"
            }
        }
    }

    /// Takes the boundary from a `Content-Type` header value.
    public static func boundary(fromContentType contentType: String) throws(Error) -> String {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: " \t")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            if !value.isEmpty { return value }
        }
        throw .missingBoundary(contentType: contentType)
    }

    /// Parses a body given its boundary.
    public init(decoding body: [UInt8], boundary: String, maximumParts: Int = 16) throws(Error) {
        self.boundary = boundary
        self.parts = []
        let delimiter = Array(("--" + boundary).utf8)
        var index = 0
        while index < body.count, body[index] == 0x0D || body[index] == 0x0A { index += 1 }
        guard body[index...].starts(with: delimiter) else { throw .noOpeningDelimiter }
        index += delimiter.count
        while true {
            if body[index...].starts(with: Array("--".utf8)) { return }  // closing delimiter
            // Skip to the end of the delimiter line.
            while index < body.count, body[index] != 0x0A { index += 1 }
            index += 1
            guard index <= body.count else { throw .unterminatedPart(index: parts.count) }
            if parts.count == maximumParts { throw .tooManyParts(limit: maximumParts) }
            // Part headers up to an empty line.
            var headers: [HeaderField] = []
            while true {
                guard index < body.count else { throw .unterminatedPart(index: parts.count) }
                var end = index
                while end < body.count, body[end] != 0x0A { end += 1 }
                var lineEnd = end
                if lineEnd > index, body[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = String(decoding: body[index..<lineEnd], as: UTF8.self)
                index = end + 1
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else {
                    throw .malformedPartHeader(index: parts.count, line: line)
                }
                headers.append(
                    HeaderField(
                        String(line[..<colon]),
                        line[line.index(after: colon)...].trimmingCharacters(in: " \t")
                    )
                )
            }
            // The body runs to CRLF + delimiter (or LF + delimiter).
            guard let next = Self.find(delimiter, in: body, from: index) else {
                throw .unterminatedPart(index: parts.count)
            }
            var end = next
            if end > index, body[end - 1] == 0x0A { end -= 1 }
            if end > index, body[end - 1] == 0x0D { end -= 1 }
            parts.append(Part(headers: headers, body: Array(body[index..<end])))
            index = next + delimiter.count
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
