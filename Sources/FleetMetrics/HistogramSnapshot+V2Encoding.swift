import Foundation
import ZlibSupport

/// HdrHistogram's V2 binary encoding (what Java/Go/Python/C HdrHistogram and
/// `HistogramLogProcessor` read and write).
///
/// Uncompressed, big-endian: cookie `0x1c849313` (V2 base `0x1c849303` with the word-size nibble
/// `0x10` that Java sets; readers mask `0xf0` away), payload length in bytes,
/// normalizingIndexOffset (0), numberOfSignificantValueDigits, lowestDiscernibleValue (int64),
/// highestTrackableValue (int64), integerToDoubleValueConversionRatio (float64, 1.0), then the
/// counts up to the highest non-empty slot as ZigZag LEB128 values where a negative value `-n`
/// stands for `n` consecutive empty slots.
///
/// Compressed: cookie `0x1c849314` (base `0x1c849304` | `0x10`), int32 length of the deflated
/// bytes, then the zlib-deflated uncompressed encoding.
extension HistogramSnapshot {
    /// V2 uncompressed cookie base.
    public static let v2EncodingCookieBase: UInt32 = 0x1c84_9303
    /// V2 compressed cookie base.
    public static let v2CompressedEncodingCookieBase: UInt32 = 0x1c84_9304
    static let headerSize = 40

    /// The uncompressed V2 encoding.
    public func encodeV2() -> [UInt8] {
        var payload: [UInt8] = []
        let limit = (highestNonEmptyIndex ?? 0) + 1
        var index = 0
        while index < limit {
            let count = counts[index]
            index += 1
            if count == 0 {
                var zeros: Int64 = 1
                while index < limit && counts[index] == 0 {
                    zeros += 1
                    index += 1
                }
                ZigZagLEB128.append(zeros > 1 ? -zeros : 0, to: &payload)
            } else {
                precondition(count <= UInt64(Int64.max), "count exceeds Int64.max")
                ZigZagLEB128.append(Int64(count), to: &payload)
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + payload.count)
        bytes.appendBigEndian(Self.v2EncodingCookieBase | 0x10)
        bytes.appendBigEndian(UInt32(payload.count))
        bytes.appendBigEndian(UInt32(0))
        bytes.appendBigEndian(UInt32(layout.significantDigits))
        bytes.appendBigEndian(layout.lowestDiscernibleValue)
        bytes.appendBigEndian(layout.highestTrackableValue)
        bytes.appendBigEndian(Double(1.0).bitPattern)
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// The compressed V2 encoding (zlib at best compression).
    public func encodeCompressedV2() throws -> [UInt8] {
        let deflated = Zlib.compress(encodeV2(), level: 9)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + deflated.count)
        bytes.appendBigEndian(Self.v2CompressedEncodingCookieBase | 0x10)
        bytes.appendBigEndian(UInt32(deflated.count))
        bytes.append(contentsOf: deflated)
        return bytes
    }

    /// Base64 of the compressed V2 encoding: the last column of an `.hlog` interval line.
    public func encodeCompressedBase64() throws -> String {
        Data(try encodeCompressedV2()).base64EncodedString()
    }

    /// Decodes a compressed V2 encoding (the layout comes from the encoded header).
    public static func decodeCompressedV2(_ bytes: [UInt8]) throws -> HistogramSnapshot {
        guard bytes.count >= 8 else {
            throw HistogramCodingError.malformedEncoding("compressed encoding is \(bytes.count) bytes, shorter than its 8-byte header")
        }
        let cookie = bytes.readBigEndianUInt32(at: 0)
        guard cookie & ~0xF0 == v2CompressedEncodingCookieBase else {
            throw HistogramCodingError.malformedEncoding(String(format: "cookie 0x%08x is not a V2 compressed histogram", cookie))
        }
        let length = Int(bytes.readBigEndianUInt32(at: 4))
        guard length <= bytes.count - 8 else {
            throw HistogramCodingError.malformedEncoding("compressed length \(length) exceeds the \(bytes.count - 8) bytes present")
        }
        // Generous upper bound: a header plus 9 bytes per slot of the largest permitted layout
        // is far larger than any real histogram; the exact bound is checked after the header.
        let inflated: [UInt8]
        do {
            inflated = try Zlib.decompress(Array(bytes[8..<(8 + length)]), limit: 64 << 20)
        } catch {
            throw HistogramCodingError.compression(error.description)
        }
        return try decodeV2(inflated)
    }

    /// Decodes Base64 of a compressed V2 encoding.
    public static func decodeCompressedBase64(_ text: some StringProtocol) throws -> HistogramSnapshot {
        guard let data = Data(base64Encoded: String(text)) else {
            throw HistogramCodingError.malformedEncoding("not valid Base64")
        }
        return try decodeCompressedV2([UInt8](data))
    }

    /// Decodes an uncompressed V2 encoding.
    public static func decodeV2(_ bytes: [UInt8]) throws -> HistogramSnapshot {
        guard bytes.count >= headerSize else {
            throw HistogramCodingError.malformedEncoding("encoding is \(bytes.count) bytes, shorter than the 40-byte V2 header")
        }
        let cookie = bytes.readBigEndianUInt32(at: 0)
        guard cookie & ~0xF0 == v2EncodingCookieBase else {
            throw HistogramCodingError.malformedEncoding(String(format: "cookie 0x%08x is not a V2 histogram", cookie))
        }
        let payloadLength = Int(bytes.readBigEndianUInt32(at: 4))
        let normalizingIndexOffset = Int32(bitPattern: bytes.readBigEndianUInt32(at: 8))
        let digits = Int(Int32(bitPattern: bytes.readBigEndianUInt32(at: 12)))
        let lowest = bytes.readBigEndianUInt64(at: 16)
        let highest = bytes.readBigEndianUInt64(at: 24)
        guard normalizingIndexOffset == 0 else {
            throw HistogramCodingError.malformedEncoding("normalizingIndexOffset \(normalizingIndexOffset) is not supported (only 0)")
        }
        if let problem = HistogramLayout.validate(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantDigits: digits) {
            throw HistogramCodingError.malformedEncoding(problem)
        }
        guard payloadLength == bytes.count - headerSize else {
            throw HistogramCodingError.malformedEncoding("payload length \(payloadLength) does not match the \(bytes.count - headerSize) bytes present")
        }
        let layout = HistogramLayout(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantDigits: digits)
        var counts = [UInt64](repeating: 0, count: layout.countsLength)
        var offset = headerSize
        var index = 0
        while offset < bytes.count {
            guard let value = ZigZagLEB128.read(bytes, at: &offset, end: bytes.count) else {
                throw HistogramCodingError.malformedEncoding("payload ends inside a LEB128 value")
            }
            if value < 0 {
                // A zero run of -value slots. Int64.min has no positive counterpart (a crafted
                // all-0xFF value decodes to it): its magnitude does not fit an Int64 either.
                guard let run = Int(exactly: value.magnitude) else {
                    throw HistogramCodingError.malformedEncoding("zero run of \(value.magnitude) slots is out of range")
                }
                let (next, overflow) = index.addingReportingOverflow(run)
                guard !overflow, next <= layout.countsLength else {
                    throw HistogramCodingError.malformedEncoding("zero run reaches past the \(layout.countsLength) slots of the layout")
                }
                index = next
            } else {
                guard index < layout.countsLength else {
                    throw HistogramCodingError.malformedEncoding("count at slot \(index) is past the \(layout.countsLength) slots of the layout")
                }
                counts[index] = UInt64(value)
                index += 1
            }
        }
        return HistogramSnapshot(layout: layout, counts: counts)
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    func readBigEndianUInt32(at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(self[offset + i]) }
        return value
    }

    func readBigEndianUInt64(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(self[offset + i]) }
        return value
    }
}
