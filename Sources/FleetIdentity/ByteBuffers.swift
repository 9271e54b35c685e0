/// Little-endian appends onto a byte array (the chunk-file encoding).
extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { self.append(contentsOf: $0) }
    }

    /// Appends `count` as a `Length` integer then the bytes; the caller guarantees it fits.
    mutating func appendLengthPrefixed<Length: FixedWidthInteger>(_ bytes: some Collection<UInt8>, as _: Length.Type) {
        precondition(bytes.count <= Int(Length.max), "field too long for its length prefix")
        appendLE(Length(bytes.count))
        append(contentsOf: bytes)
    }
}

/// A bounds-checked little-endian reader over a byte buffer. Reads past the end throw
/// ``ByteReader/Overrun`` so a malformed file never traps.
struct ByteReader {
    struct Overrun: Error {}

    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw Overrun() }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw Overrun() }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        offset += count
        return slice
    }

    mutating func readArray(_ count: Int) throws -> [UInt8] {
        Array(try readBytes(count))
    }

    mutating func readString(_ count: Int) throws -> String {
        String(decoding: try readBytes(count), as: UTF8.self)
    }

    mutating func skip(_ count: Int) throws {
        _ = try readBytes(count)
    }
}
