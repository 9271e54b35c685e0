import NIOCore

/// One BGB frame: the header fields, the XML header part (empty on TCP) and the payload.
///
/// `PayloadSize` and `HeaderSize` are derived from the two parts when the frame is written.
public struct BGBFrame: Hashable, Sendable {
    public var channel: BGBChannel
    public var majorVersion: UInt16
    public var minorVersion: UInt16
    /// The XML header part (`<Message>…` on HTTP Continue); empty on TCP.
    public var xmlHeader: ByteBuffer
    /// The BGB message, ASCII XML.
    public var payload: ByteBuffer

    public init(
        channel: BGBChannel,
        majorVersion: UInt16 = 1,
        minorVersion: UInt16 = 1,
        xmlHeader: ByteBuffer = ByteBuffer(),
        payload: ByteBuffer
    ) {
        self.channel = channel
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.xmlHeader = xmlHeader
        self.payload = payload
    }

    /// The header this frame is written with.
    public var header: BGBFrameHeader {
        BGBFrameHeader(
            payloadSize: UInt32(xmlHeader.readableBytes + payload.readableBytes),
            majorVersion: majorVersion,
            minorVersion: minorVersion,
            headerSize: UInt32(xmlHeader.readableBytes),
            channel: channel
        )
    }

    /// The encoded size: header, XML header part and payload.
    public var encodedSize: Int { BGBFrameHeader.size + xmlHeader.readableBytes + payload.readableBytes }
}

extension ByteBuffer {
    /// Writes a whole frame (header, XML header part, payload).
    @discardableResult
    public mutating func writeBGBFrame(_ frame: BGBFrame) -> Int {
        var written = writeBGBFrameHeader(frame.header)
        written += writeImmutableBuffer(frame.xmlHeader)
        written += writeImmutableBuffer(frame.payload)
        return written
    }
}
