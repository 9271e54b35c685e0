import CZlib

/// Thin wrappers over the system zlib (zlib format, i.e. what Java's `Deflater` produces).
enum Zlib {
    /// Compresses `input` with `compress2` at the given level.
    static func compress(_ input: [UInt8], level: Int32 = 9) throws(HistogramCodingError) -> [UInt8] {
        var destinationLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &destinationLength, inp.baseAddress, uLong(inp.count), level)
            }
        }
        guard status == Z_OK else { throw .compression("zlib compress2 failed with status \(status)") }
        output.removeSubrange(Int(destinationLength)...)
        return output
    }

    /// Inflates a complete zlib stream, refusing to produce more than `limit` bytes.
    static func inflate(_ input: [UInt8], limit: Int) throws(HistogramCodingError) -> [UInt8] {
        var stream = z_stream()
        var status = inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .compression("zlib inflateInit failed with status \(status)") }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        let chunkSize = 64 * 1024
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var input = input
        status = input.withUnsafeMutableBufferPointer { inp -> Int32 in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            var result: Int32 = Z_OK
            repeat {
                result = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                if output.count + produced > limit { return Z_BUF_ERROR - 100 }
                output.append(contentsOf: chunk[0..<produced])
                if result == Z_BUF_ERROR && stream.avail_in == 0 { return Z_DATA_ERROR }
            } while result == Z_OK
            return result
        }
        switch status {
        case Z_STREAM_END:
            return output
        case Z_BUF_ERROR - 100:
            throw .compression("inflated data exceeds the \(limit)-byte limit")
        default:
            throw .compression("zlib inflate failed with status \(status) (truncated or corrupt data)")
        }
    }
}
