import NIOCore

/// The LogIn answer body: `u32 LE N` + N bytes of session id (spec §4.3).
public struct BGBLogInAnswer: Hashable, Sendable {
    public var sessionID: BGBSessionID

    public init(sessionID: BGBSessionID) {
        self.sessionID = sessionID
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeBGBSessionID(sessionID)
    }

    public init(body: ByteBuffer) throws(BGBHTTPBodyError) {
        var body = body
        sessionID = try body.readBGBSessionID()
        if body.readableBytes > 0 { throw .trailingBytes(body.readableBytes) }
    }
}

/// The LogOut request body: `u32 LE N` + session id (spec §4.8).
public struct BGBLogOutRequest: Hashable, Sendable {
    public var sessionID: BGBSessionID

    public init(sessionID: BGBSessionID) {
        self.sessionID = sessionID
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeBGBSessionID(sessionID)
    }

    public init(body: ByteBuffer) throws(BGBHTTPBodyError) {
        var body = body
        sessionID = try body.readBGBSessionID()
        if body.readableBytes > 0 { throw .trailingBytes(body.readableBytes) }
    }
}

/// The Continue request body (spec §4.4): the SDK's 8-byte `BgbHttpRequestHeader`
/// (keep-alive interval in seconds, session id length), the session id, then one frame whose
/// XML header part is the signed `<Message>` header.
public struct BGBContinueRequest: Hashable, Sendable {
    /// The session's keep-alive interval in seconds.
    public var keepAliveInterval: UInt32
    public var sessionID: BGBSessionID
    public var frame: BGBFrame

    public init(keepAliveInterval: UInt32, sessionID: BGBSessionID, frame: BGBFrame) {
        self.keepAliveInterval = keepAliveInterval
        self.sessionID = sessionID
        self.frame = frame
    }

    /// The body length: 22 + N + H + P.
    public var encodedSize: Int { 8 + sessionID.bytes.count + frame.encodedSize }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(keepAliveInterval, UInt32(sessionID.bytes.count), endianness: .little)
        buffer.writeBytes(sessionID.bytes)
        buffer.writeBGBFrame(frame)
    }

    public init(
        body: ByteBuffer,
        parser: BGBFrameParser = BGBFrameParser(configuration: .tolerant)
    ) throws(BGBHTTPBodyError) {
        var body = body
        guard let interval = body.readInteger(endianness: .little, as: UInt32.self) else {
            throw .truncated(field: "KeepAliveInterval", expected: 4, available: body.readableBytes)
        }
        keepAliveInterval = interval
        sessionID = try body.readBGBSessionID()
        let frame: BGBFrame?
        do {
            frame = try parser.nextFrame(from: &body)
        } catch {
            throw .frame(error)
        }
        guard let frame else {
            throw .truncated(field: "frame", expected: BGBFrameHeader.size, available: body.readableBytes)
        }
        if body.readableBytes > 0 { throw .trailingBytes(body.readableBytes) }
        self.frame = frame
    }
}

/// The body of a 280 Continue answer (spec §4.6): session id, then normally one frame.
///
/// The SDK tolerates a 280 with no frame or fewer than 14 bytes after the id; ``frame`` is nil then
/// and ``trailing`` holds what was there.
public struct BGBContinueAnswer: Hashable, Sendable {
    public var sessionID: BGBSessionID
    public var frame: BGBFrame?
    /// Bytes after the session id that do not form a whole frame (tolerated, counted).
    public var trailing: ByteBuffer

    public init(sessionID: BGBSessionID, frame: BGBFrame?) {
        self.sessionID = sessionID
        self.frame = frame
        self.trailing = ByteBuffer()
    }

    /// The MP sim's default idle answer: a PayloadSize-0 frame on channel 7 (spec §4.7).
    public static func idle(sessionID: BGBSessionID) -> BGBContinueAnswer {
        BGBContinueAnswer(sessionID: sessionID, frame: BGBFrame(channel: .none, payload: ByteBuffer()))
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeBGBSessionID(sessionID)
        if let frame { buffer.writeBGBFrame(frame) }
        buffer.writeImmutableBuffer(trailing)
    }

    public init(
        body: ByteBuffer,
        parser: BGBFrameParser = BGBFrameParser(configuration: .tolerant)
    ) throws(BGBHTTPBodyError) {
        var body = body
        sessionID = try body.readBGBSessionID()
        do {
            frame = try parser.nextFrame(from: &body)
        } catch {
            throw .frame(error)
        }
        trailing = body
        if frame != nil, trailing.readableBytes > 0 { throw .trailingBytes(trailing.readableBytes) }
    }
}
