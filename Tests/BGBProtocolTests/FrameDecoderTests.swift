import BGBProtocol
import NIOCore
import NIOEmbedded
import NIOTestUtils
import TestSupport
import Testing

@Suite("Frame decoder")
struct FrameDecoderTests {
    static func sampleFrames() -> [BGBFrame] {
        RoundTripTests.randomMessages(count: 4).map { $0.frame() }
    }

    @Test("ByteToMessageDecoderVerifier: whole, byte by byte and in random splits")
    func verifier() throws {
        let frames = Self.sampleFrames().filter { $0.payload.readableBytes > 0 }
        var pairs: [(ByteBuffer, [BGBFrame])] = []
        for frame in frames {
            var buffer = ByteBuffer()
            buffer.writeBGBFrame(frame)
            pairs.append((buffer, [frame]))
        }
        var all = ByteBuffer()
        for frame in frames { all.writeBGBFrame(frame) }
        pairs.append((all, frames))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { BGBFrameDecoder() }
    }

    @Test("EmbeddedChannel: several frames in one read, frames across reads, the encoder's bytes")
    func embeddedChannel() throws {
        let channel = EmbeddedChannel(handlers: [
            ByteToMessageHandler(BGBFrameDecoder()), MessageToByteHandler(BGBFrameEncoder()),
        ])
        let vectors = ["tcp-signinconfirm", "tcp-request"].map { GoldenVectors.named($0).bytes }
        var input = ByteBuffer(bytes: vectors[0] + vectors[1].prefix(30))
        try channel.writeInbound(input)
        let first = try #require(try channel.readInbound(as: BGBFrame.self))
        #expect(first.channel == .signInConfirm)
        #expect(try channel.readInbound(as: BGBFrame.self) == nil)
        input = ByteBuffer(bytes: vectors[1].dropFirst(30))
        try channel.writeInbound(input)
        let second = try #require(try channel.readInbound(as: BGBFrame.self))
        #expect(second.channel == .request)

        try channel.writeOutbound(second)
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(written.readableBytesView) == vectors[1])
        #expect(try channel.finish().isClean)
    }

    @Test("a partial frame at EOF is dropped, never re-dispatched")
    func partialAtEOF() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(BGBFrameDecoder()))
        let bytes = GoldenVectors.named("tcp-request").bytes
        try channel.writeInbound(ByteBuffer(bytes: bytes + bytes.prefix(20)))
        #expect(try channel.readInbound(as: BGBFrame.self)?.channel == .request)
        _ = try? channel.finish()
        #expect(try channel.readInbound(as: BGBFrame.self) == nil)
    }
}
