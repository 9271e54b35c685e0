import BGBProtocol
import NIOCore

/// One complete HTTP/1.1 response as the generator's client codec delivers it: status line,
/// headers in order, and the whole body (`Content-Length`, or everything up to the close).
///
/// Interim `1xx` answers (the `100 Continue` an MP sends for `Expect: 100-continue`, spec §4.9)
/// never surface: the decoder skips them.
public struct HTTPClientResponse: Sendable, Hashable {
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// Any three-digit status, including BGB's 280 and 990 (spec §4.6).
    public var status: Int
    /// The reason phrase (may be empty; never interpreted).
    public var reason: String
    public var headers: [HTTPMessage.Header]
    public var body: ByteBuffer
    /// The size of the status line and headers on the wire, for byte counters.
    public var headSize: Int

    public init(
        version: String = "HTTP/1.1",
        status: Int,
        reason: String = "",
        headers: [HTTPMessage.Header] = [],
        body: ByteBuffer = ByteBuffer(),
        headSize: Int = 0
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.headSize = headSize
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.utf8.count == name.utf8.count && $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether the server keeps the connection open after this response (HTTP/1.1 default;
    /// `Connection: close` or HTTP/1.0 without `keep-alive` ends it).
    public var keepAlive: Bool {
        let connection = header("Connection")?.lowercased()
        if version == "HTTP/1.0" { return connection == "keep-alive" }
        return connection != "close"
    }

    /// Bytes on the wire: head and body.
    public var wireSize: Int { headSize + body.readableBytes }
}
