import CZlib

/// zlib (RFC 1950) through the system library: registration payloads (CCMMessaging) and the
/// compressed histograms of `.hlog` files (FleetMetrics) share it.
public enum Zlib {
    /// Why zlib data could not be inflated.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        /// The inflated output would exceed the caller's limit (a zlib bomb, or a limit set too low).
        case outputLimitExceeded(limit: Int)
        /// The stream is not valid zlib data.
        case corrupt(String)
        /// The stream ends before its end marker.
        case truncated
        /// Bytes follow the end of the zlib stream.
        case trailingBytes(Int)
        /// zlib itself failed (out of memory, version mismatch).
        case library(Int32)

        public var description: String {
            switch self {
            case .outputLimitExceeded(let limit): "inflated data exceeds the limit of \(limit) bytes"
            case .corrupt(let message): "corrupt zlib stream: \(message)"
            case .truncated: "zlib stream is truncated"
            case .trailingBytes(let count): "\(count) bytes follow the end of the zlib stream"
            case .library(let code): "zlib error \(code)"
            }
        }
    }

    /// Deflates `input` into a zlib stream (header `78 9c` at the default level).
    public static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        var destinationLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { destination in
            input.withUnsafeBufferPointer { source in
                compress2(
                    destination.baseAddress,
                    &destinationLength,
                    source.baseAddress,
                    uLong(source.count),
                    level
                )
            }
        }
        precondition(status == Z_OK, "compress2 cannot fail with a compressBound-sized buffer (status \(status))")
        output.removeSubrange(Int(destinationLength)...)
        return output
    }

    /// Inflates a zlib stream, stopping with ``Error/outputLimitExceeded(limit:)`` as soon as the
    /// output would pass `limit` bytes: memory use is bounded by the limit, whatever the input.
    public static func decompress(_ input: [UInt8], limit: Int = 16 << 20) throws(Error) -> [UInt8] {
        precondition(limit >= 0, "limit must not be negative")
        var stream = z_stream()
        var status = inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .library(status) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        var consumed = 0
        let result: Result<Void, Error> = input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                if output.count + produced > limit { return .failure(.outputLimitExceeded(limit: limit)) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    consumed = source.count - Int(stream.avail_in)
                    return .success(())
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { return .failure(.truncated) }
                    continue
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    return .failure(.corrupt(message))
                default:
                    return .failure(.library(status))
                }
            }
        }
        if case .failure(let error) = result { throw error }
        if consumed < input.count { throw .trailingBytes(input.count - consumed) }
        return output
    }
}
