import NIOCore

/// A NIO decoder turning a TCP byte stream into ``BGBFrame``s.
///
/// Errors are the typed ``BGBFrameError``s of ``BGBFrameParser``; NIO closes the decoder after one.
public struct BGBFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = BGBFrame

    public var parser: BGBFrameParser

    public init(configuration: BGBFrameParser.Configuration = .strict) {
        self.parser = BGBFrameParser(configuration: configuration)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try parser.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        // Complete frames that arrived with the EOF are still delivered; a partial frame is dropped,
        // never re-dispatched (spec §2.6.6).
        guard let frame = try parser.nextFrame(from: &buffer) else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}

/// A NIO encoder writing ``BGBFrame``s.
public struct BGBFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = BGBFrame

    public init() {}

    public func encode(data: BGBFrame, out: inout ByteBuffer) throws {
        out.writeBGBFrame(data)
    }
}
