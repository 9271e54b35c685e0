import BGBProtocol
import NIOCore

/// A small, bounded HTTP/1.1 response decoder for the BGB long-poll and registration clients.
///
/// It takes any three-digit status (BGB answers with 280 and 990, spec §4.6), reads bodies by
/// `Content-Length` or, without one, up to the close; it skips interim `1xx` answers (the
/// `100 Continue` that answers `Expect: 100-continue`, spec §4.9) and refuses chunked bodies,
/// which neither the MP nor the simulator sends. The head is limited to ``maximumHeadSize``
/// bytes and the body to ``maximumBodySize``; beyond either the decoder throws.
///
/// NIOHTTP1's llhttp decoder would accept 280 and 990 too; this one exists because the
/// requests are written byte-exact from ``HTTPMessage`` builders, and one small codec serves
/// the session and registration without a second HTTP representation.
public struct HTTPClientResponseDecoder: ByteToMessageDecoder {
    public typealias InboundOut = HTTPClientResponse

    public let maximumHeadSize: Int
    public let maximumBodySize: Int
    private var state: State = .head

    private enum State {
        case head
        case body(HTTPClientResponse, remaining: Int)
        case untilClose(HTTPClientResponse)
    }

    public init(maximumHeadSize: Int = 16 * 1024, maximumBodySize: Int = 1 << 20) {
        precondition(maximumHeadSize > 0 && maximumBodySize >= 0, "limits must be positive")
        self.maximumHeadSize = maximumHeadSize
        self.maximumBodySize = maximumBodySize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let response = try decode(buffer: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(response))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while let response = try decode(buffer: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(response))
        }
        guard seenEOF else { return .needMoreData }
        if case .untilClose(var response) = state {
            response.body = buffer.readSlice(length: buffer.readableBytes)!
            state = .head
            context.fireChannelRead(Self.wrapInboundOut(response))
        } else if buffer.readableBytes > 0 || isReadingBody {
            // A response cut short by the close.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            state = .head
            throw HTTPClientError.connectionClosed
        }
        return .needMoreData
    }

    private var isReadingBody: Bool {
        if case .body = state { return true }
        return false
    }

    /// Decodes the next complete final response from `buffer`, or nil when more bytes are needed.
    /// Interim `1xx` responses are consumed and skipped.
    public mutating func decode(buffer: inout ByteBuffer) throws(HTTPClientError) -> HTTPClientResponse? {
        while true {
            switch state {
            case .head:
                guard var response = try Self.parseHead(&buffer, maximumHeadSize: maximumHeadSize) else { return nil }
                if (100..<200).contains(response.status) { continue }
                if response.status == 204 || response.status == 304 { return response }
                if let encoding = response.header("Transfer-Encoding"), encoding.lowercased() != "identity" {
                    throw .unsupportedTransferEncoding(encoding)
                }
                if let text = response.header("Content-Length") {
                    let trimmed = text.trimmingOWS()
                    guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(trimmed)
                    else { throw .invalidContentLength(text) }
                    guard length <= maximumBodySize else { throw .bodyTooLarge(length: length, maximum: maximumBodySize) }
                    if length == 0 { return response }
                    state = .body(response, remaining: length)
                } else {
                    response.body = ByteBuffer()
                    state = .untilClose(response)
                }
            case .body(var response, let length):
                guard buffer.readableBytes >= length else { return nil }
                response.body = buffer.readSlice(length: length)!
                state = .head
                return response
            case .untilClose:
                if buffer.readableBytes > maximumBodySize {
                    throw .bodyTooLarge(length: buffer.readableBytes, maximum: maximumBodySize)
                }
                return nil
            }
        }
    }

    /// Parses a status line and headers; nil until the empty line has arrived.
    static func parseHead(_ buffer: inout ByteBuffer, maximumHeadSize: Int) throws(HTTPClientError) -> HTTPClientResponse? {
        let view = buffer.readableBytesView
        var lines: [String] = []
        var headEnd: Int?
        var lineStart = view.startIndex
        var index = view.startIndex
        // Lenient: empty lines before the status line are skipped (RFC 9112 §2.2).
        var leading = true
        while index < view.endIndex {
            if view[index] == 0x0A {
                var lineEnd = index
                if lineEnd > lineStart, view[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart {
                    if !leading {
                        headEnd = index + 1
                        break
                    }
                } else {
                    leading = false
                    lines.append(String(decoding: view[lineStart..<lineEnd], as: UTF8.self))
                }
                lineStart = index + 1
            }
            index += 1
            if index - view.startIndex > maximumHeadSize { throw .headTooLarge(maximum: maximumHeadSize) }
        }
        guard let headEnd, let statusLine = lines.first else { return nil }
        let headSize = headEnd - view.startIndex
        buffer.moveReaderIndex(forwardBy: headSize)

        // HTTP-version SP 3DIGIT [SP reason-phrase]
        let utf8 = Array(statusLine.utf8)
        guard utf8.count >= 12, statusLine.hasPrefix("HTTP/1."), utf8[8] == 0x20,
            utf8[9...11].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), utf8.count == 12 || utf8[12] == 0x20
        else { throw .malformedStatusLine(String(statusLine.prefix(200))) }
        let status = Int(utf8[9] - 0x30) * 100 + Int(utf8[10] - 0x30) * 10 + Int(utf8[11] - 0x30)
        let reason = utf8.count > 13 ? String(decoding: utf8[13...], as: UTF8.self) : ""
        var headers: [HTTPMessage.Header] = []
        headers.reserveCapacity(lines.count - 1)
        for text in lines.dropFirst() {
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                throw .malformedHeader(String(text.prefix(200)))
            }
            let name = text[..<colon]
            guard !name.contains(" "), !name.contains("\t") else { throw .malformedHeader(String(text.prefix(200))) }
            headers.append(HTTPMessage.Header(String(name), String(text[text.index(after: colon)...]).trimmingOWS()))
        }
        return HTTPClientResponse(
            version: String(decoding: utf8[0..<8], as: UTF8.self),
            status: status,
            reason: reason,
            headers: headers,
            headSize: headSize
        )
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    func trimmingOWS() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
