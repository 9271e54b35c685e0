/// UTF-16LE text as ConfigMgr's messaging uses it (spec §5.2).
public enum UTF16LE {
    /// The byte-order mark in front of the `<Msg>` envelope.
    public static let byteOrderMark: [UInt8] = [0xFF, 0xFE]

    /// Encodes `text`, optionally preceded by the BOM.
    public static func encode(_ text: String, byteOrderMark: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = byteOrderMark ? Self.byteOrderMark : []
        bytes.reserveCapacity(bytes.count + text.utf16.count * 2)
        for unit in text.utf16 {
            bytes.append(UInt8(truncatingIfNeeded: unit))
            bytes.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        return bytes
    }

    /// Why bytes are not UTF-16LE text.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        case oddLength(Int)
        case invalidSequence(offset: Int)

        public var description: String {
            switch self {
            case .oddLength(let count): "UTF-16LE text has an odd number of bytes (\(count))"
            case .invalidSequence(let offset): "invalid UTF-16LE sequence at byte \(offset)"
            }
        }
    }

    /// Decodes UTF-16LE, skipping a leading BOM and stopping at the first UTF-16 NUL (the trailer).
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(Error) -> String {
        guard bytes.count % 2 == 0 else { throw .oddLength(bytes.count) }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var iterator = bytes.makeIterator()
        while let low = iterator.next(), let high = iterator.next() {
            let unit = UInt16(low) | UInt16(high) << 8
            if unit == 0 { break }
            units.append(unit)
        }
        if units.first == 0xFEFF { units.removeFirst() }
        var text = ""
        text.reserveCapacity(units.count)
        var decoder = UTF16()
        var unitIterator = units.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&unitIterator) {
            case .scalarValue(let scalar):
                text.unicodeScalars.append(scalar)
                offset += scalar.utf16.count * 2
            case .emptyInput:
                return text
            case .error:
                throw .invalidSequence(offset: offset)
            }
        }
    }
}
