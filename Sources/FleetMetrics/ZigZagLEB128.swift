/// HdrHistogram's "ZigZag LEB128-64b9B" integer encoding: ZigZag maps signed to unsigned, then
/// 7 bits per byte, least significant first, high bit = "more follows", at most 9 bytes (the
/// ninth carries 8 full bits).
enum ZigZagLEB128 {
    /// Appends `value` to `bytes`.
    static func append(_ value: Int64, to bytes: inout [UInt8]) {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for _ in 0..<8 {
            if v >> 7 == 0 {
                bytes.append(UInt8(v))
                return
            }
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Reads one value starting at `offset`, advancing it; `nil` when the bytes end mid-value.
    static func read(_ bytes: [UInt8], at offset: inout Int, end: Int) -> Int64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for byteNumber in 0..<9 {
            guard offset < end else { return nil }
            let byte = bytes[offset]
            offset += 1
            if byteNumber == 8 {
                result |= UInt64(byte) << 56
                break
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        let decoded = Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
        return decoded
    }
}
