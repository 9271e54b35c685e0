/// Why a sequence of bytes is not a valid BGB frame.
public enum BGBFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `PayloadSize` is 0. Fatal to the SDK on TCP (spec §2.6.2); the HTTP idle answer uses it.
    case zeroPayloadSize(channel: BGBChannel)
    /// `PayloadSize` exceeds the configured maximum.
    case payloadTooLarge(size: UInt32, maximum: Int)
    /// `HeaderSize` is larger than `PayloadSize`.
    case headerSizeExceedsPayload(headerSize: UInt32, payloadSize: UInt32)
    /// The channel is not one of 0…7.
    case unknownChannel(UInt16)
    /// The bytes end inside a frame (only reported where the input is known to be complete).
    case truncated(expected: Int, available: Int)

    public var description: String {
        switch self {
        case .zeroPayloadSize(let channel):
            "frame with PayloadSize 0 on channel \(channel)"
        case .payloadTooLarge(let size, let maximum):
            "PayloadSize \(size) exceeds the maximum of \(maximum) bytes"
        case .headerSizeExceedsPayload(let headerSize, let payloadSize):
            "HeaderSize \(headerSize) is larger than PayloadSize \(payloadSize)"
        case .unknownChannel(let channel):
            "unknown channel \(channel)"
        case .truncated(let expected, let available):
            "truncated frame: \(expected) bytes expected, \(available) available"
        }
    }
}
