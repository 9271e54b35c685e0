import Foundation
import NIOCore

/// The framing of ``CoordinationMessage``: a 4-byte big-endian length, then that many bytes of JSON.
public enum CoordinationFrame {
    /// The largest frame accepted (a worker's `sessions.csv` travels in one frame).
    public static let maximumLength = 256 << 20

    /// Appends one framed message to `buffer`.
    public static func encode(_ message: CoordinationMessage, into buffer: inout ByteBuffer) throws {
        let json = try JSONEncoder().encode(message)
        precondition(json.count <= maximumLength, "a coordination message of \(json.count) bytes exceeds the frame limit")
        buffer.writeInteger(UInt32(json.count), endianness: .big)
        buffer.writeBytes(json)
    }

    /// Reads one framed message from the front of `buffer`: nil (nothing consumed) while the
    /// frame is incomplete.
    public static func decode(_ buffer: inout ByteBuffer) throws(CoordinationFrameError) -> CoordinationMessage? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else { return nil }
        guard length <= maximumLength else { throw .tooLong(Int(length)) }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let bytes = buffer.readBytes(length: Int(length))!
        do {
            return try JSONDecoder().decode(CoordinationMessage.self, from: Data(bytes))
        } catch {
            throw .malformed(String(describing: error))
        }
    }
}

/// Why a frame could not be read.
public enum CoordinationFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLong(Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .tooLong(let length): "coordination frame of \(length) bytes exceeds the \(CoordinationFrame.maximumLength)-byte limit"
        case .malformed(let reason): "malformed coordination message: \(reason)"
        }
    }
}

/// Splits the byte stream into ``CoordinationMessage``s.
public struct CoordinationFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = CoordinationMessage

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try CoordinationFrame.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }
}

/// Frames outgoing ``CoordinationMessage``s.
public struct CoordinationFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = CoordinationMessage

    public init() {}

    public func encode(data: CoordinationMessage, out: inout ByteBuffer) throws {
        try CoordinationFrame.encode(data, into: &out)
    }
}
