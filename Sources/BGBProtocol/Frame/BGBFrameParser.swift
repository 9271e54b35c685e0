import NIOCore

/// Splits a byte stream into BGB frames: transport-free, used by the NIO decoder and by tools.
///
/// The parser never buffers more than one frame: a `PayloadSize` over ``Configuration/maximumPayloadSize``
/// is rejected from the header alone, before any payload is read.
public struct BGBFrameParser: Sendable {
    /// What to do with frames the protocol marks as anomalies but that keep the stream in sync.
    public enum AnomalyPolicy: Sendable, Hashable {
        /// Throw the typed ``BGBFrameError``.
        case reject
        /// Deliver the frame; the consumer counts it.
        case deliver
    }

    public struct Configuration: Sendable, Hashable {
        /// The largest `PayloadSize` accepted (default 1 MiB).
        public var maximumPayloadSize: Int
        /// Frames with `PayloadSize` 0 (spec §2.6.2).
        public var zeroPayload: AnomalyPolicy
        /// Frames whose channel is not 0…7 (spec §2.6.4).
        public var unknownChannel: AnomalyPolicy

        public init(
            maximumPayloadSize: Int = 1 << 20,
            zeroPayload: AnomalyPolicy = .reject,
            unknownChannel: AnomalyPolicy = .reject
        ) {
            precondition(maximumPayloadSize > 0, "maximumPayloadSize must be positive")
            self.maximumPayloadSize = maximumPayloadSize
            self.zeroPayload = zeroPayload
            self.unknownChannel = unknownChannel
        }

        /// Strict: every anomaly is an error. The default.
        public static let strict = Configuration()
        /// What the generator uses: zero-length frames and unknown channels are delivered and counted.
        public static let tolerant = Configuration(zeroPayload: .deliver, unknownChannel: .deliver)
    }

    public var configuration: Configuration

    public init(configuration: Configuration = .strict) {
        self.configuration = configuration
    }

    /// Validates a header against the configuration.
    public func validate(_ header: BGBFrameHeader) throws(BGBFrameError) {
        if Int(header.payloadSize) > configuration.maximumPayloadSize {
            throw .payloadTooLarge(size: header.payloadSize, maximum: configuration.maximumPayloadSize)
        }
        if header.headerSize > header.payloadSize {
            throw .headerSizeExceedsPayload(headerSize: header.headerSize, payloadSize: header.payloadSize)
        }
        if header.payloadSize == 0, configuration.zeroPayload == .reject {
            throw .zeroPayloadSize(channel: header.channel)
        }
        if !header.channel.isKnown, configuration.unknownChannel == .reject {
            throw .unknownChannel(header.channel.rawValue)
        }
    }

    /// Reads the next complete frame from `buffer`, or returns nil (reading nothing) when more bytes
    /// are needed. Throws as soon as the header is known to be invalid.
    public func nextFrame(from buffer: inout ByteBuffer) throws(BGBFrameError) -> BGBFrame? {
        guard let header = buffer.getBGBFrameHeader(at: buffer.readerIndex) else { return nil }
        try validate(header)
        let total = BGBFrameHeader.size + Int(header.payloadSize)
        guard buffer.readableBytes >= total else { return nil }
        buffer.moveReaderIndex(forwardBy: BGBFrameHeader.size)
        let xmlHeader = buffer.readSlice(length: Int(header.headerSize))!
        let payload = buffer.readSlice(length: Int(header.payloadSize - header.headerSize))!
        return BGBFrame(
            channel: header.channel,
            majorVersion: header.majorVersion,
            minorVersion: header.minorVersion,
            xmlHeader: xmlHeader,
            payload: payload
        )
    }

    /// Parses a buffer that must hold exactly whole frames (a file, a captured record).
    public func frames(in bytes: ByteBuffer) throws(BGBFrameError) -> [BGBFrame] {
        var buffer = bytes
        var frames: [BGBFrame] = []
        while buffer.readableBytes > 0 {
            guard let frame = try nextFrame(from: &buffer) else {
                let expected: Int
                if let header = buffer.getBGBFrameHeader(at: buffer.readerIndex) {
                    expected = BGBFrameHeader.size + Int(header.payloadSize)
                } else {
                    expected = BGBFrameHeader.size
                }
                throw .truncated(expected: expected, available: buffer.readableBytes)
            }
            frames.append(frame)
        }
        return frames
    }
}
