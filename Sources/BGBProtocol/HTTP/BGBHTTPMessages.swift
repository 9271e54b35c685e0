import NIOCore

/// Builders for the exact BGB HTTP requests and answers (spec §4), as ``HTTPMessage`` values.
public enum BGBHTTPMessages {
    /// `CCM_POST /bgb/handler.ashx?RequestType=LogIn` with an empty body.
    public static func logIn(host: String) -> HTTPMessage {
        request(.logIn, host: host, body: ByteBuffer())
    }

    /// A Continue request carrying `body`.
    public static func `continue`(_ body: BGBContinueRequest, host: String) -> HTTPMessage {
        var buffer = ByteBuffer()
        body.write(into: &buffer)
        return request(.continue, host: host, body: buffer)
    }

    /// A LogOut request.
    public static func logOut(_ body: BGBLogOutRequest, host: String) -> HTTPMessage {
        var buffer = ByteBuffer()
        body.write(into: &buffer)
        return request(.logOut, host: host, body: buffer)
    }

    static func request(_ type: BGBHTTPRequestType, host: String, body: ByteBuffer) -> HTTPMessage {
        HTTPMessage(
            startLine: "\(BGBHTTPRequestType.method) \(type.target) HTTP/1.1",
            headers: type.headers(contentLength: body.readableBytes, host: host),
            body: body
        )
    }

    /// `200 OK` answering LogIn (the test server's header set).
    public static func logInAnswer(_ answer: BGBLogInAnswer) -> HTTPMessage {
        var body = ByteBuffer()
        answer.write(into: &body)
        return HTTPMessage(
            startLine: "HTTP/1.1 200 OK",
            headers: [("Content-Type", "application/octet-stream"), ("Content-Length", String(body.readableBytes))],
            body: body
        )
    }

    /// `280 BGB-Continue` answering a Continue.
    public static func continueAnswer(_ answer: BGBContinueAnswer) -> HTTPMessage {
        var body = ByteBuffer()
        answer.write(into: &body)
        return HTTPMessage(
            startLine: "HTTP/1.1 \(BGBHTTPStatus.continue) \(BGBHTTPStatus.continueReason)",
            headers: [("Content-Type", "application/octet-stream"), ("Content-Length", String(body.readableBytes))],
            body: body
        )
    }

    /// `990 BGB-SessionEnded`: the client must log in again.
    public static func sessionEnded() -> HTTPMessage {
        HTTPMessage(
            startLine: "HTTP/1.1 \(BGBHTTPStatus.sessionEnded) \(BGBHTTPStatus.sessionEndedReason)",
            headers: [("Content-Length", "0")]
        )
    }

    /// `200 OK` answering LogOut.
    public static func logOutAnswer() -> HTTPMessage {
        HTTPMessage(startLine: "HTTP/1.1 200 OK", headers: [("Content-Length", "0"), ("Connection", "close")])
    }
}
