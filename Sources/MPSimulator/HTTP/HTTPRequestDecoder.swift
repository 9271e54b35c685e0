import NIOCore

/// One HTTP/1.1 request as the BGB and registration endpoints see it.
struct HTTPRequest: Sendable {
    var method: String
    /// The request target as sent (`/bgb/handler.ashx?RequestType=LogIn`).
    var target: String
    var version: String
    var headers: [(name: String, value: String)]
    var body: ByteBuffer

    /// The target without its query.
    var path: String {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
    }

    /// The first header with this name (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Whether the connection stays open after the answer (HTTP/1.1 default keep-alive).
    var keepAlive: Bool {
        let connection = header("Connection")?.lowercased()
        if version == "HTTP/1.0" { return connection == "keep-alive" }
        return connection != "close"
    }
}

/// What the decoder hands on.
enum HTTPRequestEvent: Sendable {
    /// A head with `Expect: 100-continue` was read; the body follows.
    case continueExpected
    case request(HTTPRequest)
}

/// Why bytes are not a request this server takes.
enum HTTPRequestDecoderError: Error, Equatable {
    case headTooLarge(Int)
    case malformedRequestLine(String)
    case malformedHeader(String)
    case unsupportedTransferEncoding(String)
    case invalidContentLength(String)
    case bodyTooLarge(Int, maximum: Int)

    /// The status to answer before closing.
    var status: (code: Int, reason: String) {
        switch self {
        case .headTooLarge: (431, "Request Header Fields Too Large")
        case .bodyTooLarge: (413, "Payload Too Large")
        case .unsupportedTransferEncoding: (501, "Not Implemented")
        default: (400, "Bad Request")
        }
    }
}

/// A small, bounded HTTP/1.1 request decoder for the custom `CCM_POST` verb, which NIOHTTP1's
/// llhttp parser refuses (`HPE_INVALID_METHOD`): any token is a method; the head is limited to
/// `maximumHeadSize`, bodies need `Content-Length` (≤ `maximumBodySize`); chunked is refused.
struct HTTPRequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPRequestEvent

    let maximumHeadSize: Int
    let maximumBodySize: Int
    private var pending: HTTPRequest?
    private var bodyLength = 0

    init(maximumHeadSize: Int = 16 * 1024, maximumBodySize: Int) {
        self.maximumHeadSize = maximumHeadSize
        self.maximumBodySize = maximumBodySize
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let event = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(event))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A request cut off by EOF is dropped.
        while let event = try next(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(event))
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// The next event decoded from `buffer`, or nil when more bytes are needed: the transport-free
    /// core of the decoder (the pipeline's ``decode(context:buffer:)`` and the fuzz target call it).
    mutating func next(from buffer: inout ByteBuffer) throws(HTTPRequestDecoderError) -> HTTPRequestEvent? {
        if var request = pending {
            guard buffer.readableBytes >= bodyLength else { return nil }
            request.body = buffer.readSlice(length: bodyLength)!
            pending = nil
            return .request(request)
        }
        guard let headEnd = Self.headEnd(in: buffer, limit: maximumHeadSize) else {
            if buffer.readableBytes > maximumHeadSize { throw .headTooLarge(maximumHeadSize) }
            return nil
        }
        let head = buffer.readString(length: headEnd)!
        var request = try Self.parseHead(head)
        if let encoding = request.header("Transfer-Encoding"), encoding.lowercased() != "identity" {
            throw .unsupportedTransferEncoding(encoding)
        }
        var length = 0
        if let text = request.header("Content-Length") {
            guard let value = Int(text.trimming(" \t")), value >= 0 else {
                throw .invalidContentLength(text)
            }
            length = value
        }
        if length > maximumBodySize { throw .bodyTooLarge(length, maximum: maximumBodySize) }
        if length == 0 {
            request.body = ByteBuffer()
            return .request(request)
        }
        pending = request
        bodyLength = length
        if request.header("Expect")?.lowercased() == "100-continue" { return .continueExpected }
        return try next(from: &buffer)
    }

    /// The length of the head including the blank line, if it is complete within `limit` bytes.
    static func headEnd(in buffer: ByteBuffer, limit: Int) -> Int? {
        let view = buffer.readableBytesView
        // The head, blank line included, is at most `limit` bytes: whether it fits must not depend on
        // how the bytes were split into reads.
        let searchEnd = min(view.count, limit)
        guard searchEnd >= 4 else { return nil }
        var index = view.startIndex
        let end = view.startIndex + searchEnd - 3
        while index < end {
            if view[index] == 0x0D, view[index + 1] == 0x0A, view[index + 2] == 0x0D, view[index + 3] == 0x0A {
                return index - view.startIndex + 4
            }
            index += 1
        }
        return nil
    }

    static func parseHead(_ head: String) throws(HTTPRequestDecoderError) -> HTTPRequest {
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard let requestLine = lines.popFirst() else { throw .malformedRequestLine("") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy(Self.isTokenByte),
            parts[1].hasPrefix("/") || parts[1] == "*", parts[2].hasPrefix("HTTP/1.")
        else { throw .malformedRequestLine(String(requestLine.prefix(200))) }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count)
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                line[..<colon].utf8.allSatisfy(Self.isTokenByte)
            else { throw .malformedHeader(String(line.prefix(200))) }
            let value = line[line.index(after: colon)...].trimming(" \t")
            headers.append((String(line[..<colon]), value))
        }
        return HTTPRequest(
            method: String(parts[0]),
            target: String(parts[1]),
            version: String(parts[2]),
            headers: headers,
            body: ByteBuffer()
        )
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension StringProtocol {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        return zip(utf8, other.utf8).allSatisfy { a, b in
            let la = a >= 0x41 && a <= 0x5A ? a + 0x20 : a
            let lb = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
            return la == lb
        }
    }

    func trimming(_ set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
