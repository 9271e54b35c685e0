import NIOCore

/// The 14-byte little-endian header in front of every BGB message (spec §2.3).
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | `PayloadSize` (bytes after the header: XML header part + payload) |
/// | 4 | 2 | `MajorVersion` (1) |
/// | 6 | 2 | `MinorVersion` (1) |
/// | 8 | 4 | `HeaderSize` (XML header part length: 0 on TCP) |
/// | 12 | 2 | `Channel` |
public struct BGBFrameHeader: Hashable, Sendable {
    /// The encoded size of a header.
    public static let size = 14

    public var payloadSize: UInt32
    public var majorVersion: UInt16
    public var minorVersion: UInt16
    public var headerSize: UInt32
    public var channel: BGBChannel

    public init(
        payloadSize: UInt32,
        majorVersion: UInt16 = 1,
        minorVersion: UInt16 = 1,
        headerSize: UInt32 = 0,
        channel: BGBChannel
    ) {
        self.payloadSize = payloadSize
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.headerSize = headerSize
        self.channel = channel
    }

    /// Whether the version is the 1.1 every known peer uses.
    public var hasKnownVersion: Bool { majorVersion == 1 && minorVersion == 1 }
}

extension ByteBuffer {
    /// Writes a frame header in wire order, returning the number of bytes written (14).
    @discardableResult
    @inlinable
    public mutating func writeBGBFrameHeader(_ header: BGBFrameHeader) -> Int {
        writeMultipleIntegers(
            header.payloadSize,
            header.majorVersion,
            header.minorVersion,
            header.headerSize,
            header.channel.rawValue,
            endianness: .little
        )
    }

    /// Reads a frame header if 14 bytes are readable; otherwise returns nil and reads nothing.
    @inlinable
    public mutating func readBGBFrameHeader() -> BGBFrameHeader? {
        guard
            let (payloadSize, major, minor, headerSize, channel) = readMultipleIntegers(
                endianness: .little,
                as: (UInt32, UInt16, UInt16, UInt32, UInt16).self
            )
        else { return nil }
        return BGBFrameHeader(
            payloadSize: payloadSize,
            majorVersion: major,
            minorVersion: minor,
            headerSize: headerSize,
            channel: BGBChannel(rawValue: channel)
        )
    }

    /// Reads a frame header at `index` without moving the reader index.
    @inlinable
    public func getBGBFrameHeader(at index: Int) -> BGBFrameHeader? {
        var copy = self
        copy.moveReaderIndex(to: index)
        return copy.readBGBFrameHeader()
    }
}
