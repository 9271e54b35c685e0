import NIOCore

/// Drives the simulator's ``HTTPRequestDecoder`` over a byte stream for the libFuzzer target
/// `FuzzHTTP` (Fuzz/). Not part of the simulator's API (`@_spi(Fuzzing)`).
@_spi(Fuzzing)
public enum HTTPRequestDecoderFuzzing {
    /// Feeds `bytes` to a fresh decoder `chunkSize` bytes at a time, as socket reads would arrive,
    /// and returns one line per decoded event (method, target, version, headers, body bytes),
    /// then `error …` if an error ended the stream, then `pending N` for the bytes left unread.
    public static func transcript(of bytes: [UInt8], chunkSize: Int, maximumHeadSize: Int, maximumBodySize: Int) -> [String] {
        precondition(chunkSize > 0, "chunkSize must be positive")
        var decoder = HTTPRequestDecoder(maximumHeadSize: maximumHeadSize, maximumBodySize: maximumBodySize)
        var buffer = ByteBuffer()
        var lines: [String] = []
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + chunkSize)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            do {
                while let event = try decoder.next(from: &buffer) {
                    switch event {
                    case .continueExpected:
                        lines.append("100-continue")
                    case .request(let request):
                        precondition(request.body.readableBytes <= maximumBodySize, "a body beyond the limit was delivered")
                        let headers = request.headers.map { "\($0.name):\($0.value)" }.joined(separator: "|")
                        lines.append("\(request.method) \(request.target) \(request.version) [\(headers)] \(Array(request.body.readableBytesView))")
                    }
                }
            } catch {
                lines.append("error \(error)")
                return lines
            }
        } while offset < bytes.count
        lines.append("pending \(buffer.readableBytes)")
        return lines
    }
}
