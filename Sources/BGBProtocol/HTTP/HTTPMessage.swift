import NIOCore

/// A complete HTTP/1.1 message as bytes: start line, ordered headers, body.
///
/// Used to render the exact bytes of BGB and registration requests and answers, and by tools
/// (`bgbfleet inspect`) and tests to read captured messages. Live traffic goes through NIOHTTP1.
public struct HTTPMessage: Hashable, Sendable {
    /// `CCM_POST /bgb/handler.ashx?RequestType=LogIn HTTP/1.1` or `HTTP/1.1 280 BGB-Continue`.
    public var startLine: String
    public var headers: [Header]
    public var body: ByteBuffer

    public struct Header: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(startLine: String, headers: [(String, String)], body: ByteBuffer = ByteBuffer()) {
        self.startLine = startLine
        self.headers = headers.map { Header($0.0, $0.1) }
        self.body = body
    }

    /// Whether this is a response (`HTTP/…` start line).
    public var isResponse: Bool { startLine.hasPrefix("HTTP/") }

    /// The request method, for a request.
    public var method: String? {
        isResponse ? nil : startLine.split(separator: " ").first.map(String.init)
    }

    /// The request target, for a request.
    public var target: String? {
        guard !isResponse else { return nil }
        let parts = startLine.split(separator: " ")
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    /// The status code, for a response.
    public var status: Int? {
        guard isResponse else { return nil }
        let parts = startLine.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Writes the message exactly: start line, headers in order, empty line, body.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeString(startLine)
        buffer.writeStaticString("\r\n")
        for header in headers {
            buffer.writeString(header.name)
            buffer.writeStaticString(": ")
            buffer.writeString(header.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(body)
    }

    /// The message's bytes.
    public var bytes: ByteBuffer {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return buffer
    }

    /// Parses one complete message; the body length comes from `Content-Length` (0 when absent).
    public init(parsing input: ByteBuffer, maximumHeaderBytes: Int = 65_536) throws(HTTPMessageError) {
        let view = input.readableBytesView
        var lines: [String] = []
        var index = view.startIndex
        var lineStart = index
        var headerEnd: Int?
        while index < view.endIndex {
            if index - view.startIndex > maximumHeaderBytes { throw .headerTooLarge(maximumHeaderBytes) }
            if view[index] == 0x0A {
                var lineEnd = index
                if lineEnd > lineStart, view[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = String(decoding: view[lineStart..<lineEnd], as: UTF8.self)
                if line.isEmpty {
                    headerEnd = index + 1
                    break
                }
                lines.append(line)
                lineStart = index + 1
            }
            index += 1
        }
        guard let headerEnd, let startLine = lines.first else { throw .incompleteHead }
        let parts = startLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, startLine.hasPrefix("HTTP/") || parts.count == 3 && parts[2].hasPrefix("HTTP/")
        else { throw .malformedStartLine(startLine) }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedHeader(line) }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            headers.append((name, value))
        }
        self.init(startLine: startLine, headers: headers)
        let available = view.endIndex - headerEnd
        var length = 0
        if let text = header("Content-Length") {
            guard let value = Int(text), value >= 0 else { throw .malformedHeader("Content-Length: \(text)") }
            length = value
        } else if isResponse {
            length = available
        }
        guard available >= length else { throw .truncatedBody(expected: length, available: available) }
        guard available == length else { throw .trailingBytes(available - length) }
        var buffer = input
        buffer.moveReaderIndex(forwardBy: headerEnd - view.startIndex)
        body = buffer.readSlice(length: length)!
        self.headEndOffset = headerEnd - view.startIndex
    }

    /// Where the head ended in the parsed input (the body's offset), for error reports.
    public private(set) var headEndOffset: Int = 0
}

/// Why bytes are not a complete HTTP/1.1 message.
public enum HTTPMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    case incompleteHead
    case headerTooLarge(Int)
    case malformedStartLine(String)
    case malformedHeader(String)
    case truncatedBody(expected: Int, available: Int)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .incompleteHead: "the HTTP head does not end with an empty line"
        case .headerTooLarge(let limit): "the HTTP head is larger than \(limit) bytes"
        case .malformedStartLine(let line): "malformed start line \"\(line)\""
        case .malformedHeader(let line): "malformed header line \"\(line)\""
        case .truncatedBody(let expected, let available):
            "body truncated: Content-Length \(expected), \(available) bytes present"
        case .trailingBytes(let count): "\(count) bytes after the body"
        }
    }
}
