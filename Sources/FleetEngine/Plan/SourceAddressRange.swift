/// A range of IPv4 source addresses, `127.0.0.1-127.0.0.8` or a single `127.0.0.5`.
///
/// One source address reaches one MP port with about 28,000 connections (the ephemeral port range);
/// several loopback addresses are how one machine gets past that (spec §11).
public struct SourceAddressRange: Hashable, Sendable, CustomStringConvertible {
    public let first: UInt32
    public let last: UInt32

    public init(_ text: String) throws(FleetConfigurationError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 2,
            let first = Self.parse(parts[0]), let last = Self.parse(parts.count == 2 ? parts[1] : parts[0])
        else {
            throw .invalid(key: "source-address", value: text, reason: "expected an IPv4 address or a range like 127.0.0.1-127.0.0.8")
        }
        guard first <= last else {
            throw .invalid(key: "source-address", value: text, reason: "the range's first address is after its last")
        }
        self.first = first
        self.last = last
    }

    public var count: Int { Int(last - first) + 1 }

    /// The address at `offset` in the range.
    public func address(at offset: Int) -> String {
        precondition(offset >= 0 && offset < count)
        let value = first + UInt32(offset)
        return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    public var description: String { first == last ? address(at: 0) : "\(address(at: 0))-\(address(at: count - 1))" }

    static func parse(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
