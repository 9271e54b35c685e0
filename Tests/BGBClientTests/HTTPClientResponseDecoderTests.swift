import BGBClient
import BGBProtocol
import NIOCore
import NIOEmbedded
import Testing

@Suite("HTTP client response decoder")
struct HTTPClientResponseDecoderTests {
    @Test("280 and 990 are ordinary statuses; a body split across reads is reassembled")
    func bgbStatuses() throws {
        var decoder = HTTPClientResponseDecoder()
        var buffer = ByteBuffer(string: "HTTP/1.1 280 BGB-Continue\r\nContent-Type: application/octet-stream\r\nContent-Len")
        #expect(try decoder.decode(buffer: &buffer) == nil)
        buffer.writeString("gth: 5\r\n\r\nab")
        #expect(try decoder.decode(buffer: &buffer) == nil)
        buffer.writeString("cdeHTTP/1.1 990 BGB-SessionEnded\r\nContent-Length: 0\r\n\r\n")
        let first = try #require(try decoder.decode(buffer: &buffer))
        #expect(first.status == 280)
        #expect(first.reason == "BGB-Continue")
        #expect(first.body == ByteBuffer(string: "abcde"))
        #expect(first.header("content-type") == "application/octet-stream")
        #expect(first.keepAlive)
        let second = try #require(try decoder.decode(buffer: &buffer))
        #expect(second.status == 990)
        #expect(second.body.readableBytes == 0)
        #expect(buffer.readableBytes == 0)
    }

    @Test("interim 100 Continue answers are skipped (spec §4.9)")
    func skipsContinue() throws {
        var decoder = HTTPClientResponseDecoder()
        var buffer = ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let response = try #require(try decoder.decode(buffer: &buffer))
        #expect(response.status == 200)
        #expect(!response.keepAlive)
        #expect(try decoder.decode(buffer: &buffer) == nil)
    }

    @Test("without Content-Length the body runs to the close")
    func bodyUntilClose() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPClientResponseDecoder()))
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello "))
        #expect(try channel.readInbound(as: HTTPClientResponse.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "world"))
        channel.pipeline.fireChannelInactive()
        let response = try #require(try channel.readInbound(as: HTTPClientResponse.self))
        #expect(String(buffer: response.body) == "hello world")
        #expect(!response.keepAlive)
    }

    @Test("a response cut short by the close is an error, not a response")
    func truncated() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPClientResponseDecoder()))
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 280 BGB-Continue\r\nContent-Length: 80\r\n\r\nshort"))
        #expect(throws: HTTPClientError.connectionClosed) {
            channel.pipeline.fireChannelInactive()
            try channel.throwIfErrorCaught()
        }
        #expect(try channel.readInbound(as: HTTPClientResponse.self) == nil)
    }

    @Test("limits and malformed heads are errors, never crashes", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", HTTPClientError.bodyTooLarge(length: 11, maximum: 10)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding("chunked")),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .invalidContentLength("-1")),
        ("HTTP/1.1 2x0 OK\r\n\r\n", .malformedStatusLine("HTTP/1.1 2x0 OK")),
        ("ICY 200 OK\r\n\r\n", .malformedStatusLine("ICY 200 OK")),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", .malformedHeader("no colon")),
    ])
    func malformed(input: String, error: HTTPClientError) {
        var decoder = HTTPClientResponseDecoder(maximumHeadSize: 256, maximumBodySize: 10)
        var buffer = ByteBuffer(string: input)
        #expect(throws: error) { try decoder.decode(buffer: &buffer) }
    }

    @Test("a head that never ends is refused at the limit")
    func headTooLarge() {
        var decoder = HTTPClientResponseDecoder(maximumHeadSize: 64, maximumBodySize: 10)
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nX-Padding: " + String(repeating: "a", count: 100))
        #expect(throws: HTTPClientError.headTooLarge(maximum: 64)) { try decoder.decode(buffer: &buffer) }
    }
}
