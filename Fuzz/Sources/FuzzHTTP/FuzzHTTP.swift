// libFuzzer target: the client's HTTP response decoder (BGBClient) and the simulator's HTTP
// request decoder (MPSimulator), both bounded HTTP/1.1 codecs that read what a peer sends.
//
// Property, for both: the result does not depend on how the bytes were split into reads. The
// input is decoded whole, one byte at a time and in 7-byte reads, with the default limits and
// with small ones (so that the head and body limits are reachable), and the transcripts (events,
// the error that ended the stream, bytes left) must be equal.
import BGBClient
@_spi(Fuzzing) import MPSimulator
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for (head, body) in [(16 * 1024, 1 << 20), (64, 32)] {
        let whole = responseTranscript(bytes, chunkSize: max(1, bytes.count), maximumHeadSize: head, maximumBodySize: body)
        for chunk in [1, 7] {
            let split = responseTranscript(bytes, chunkSize: chunk, maximumHeadSize: head, maximumBodySize: body)
            precondition(split == whole, "client decoder: \(chunk)-byte reads give \(split), one read \(whole)")
        }
        let request = HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: max(1, bytes.count), maximumHeadSize: head, maximumBodySize: body)
        for chunk in [1, 7] {
            let split = HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: chunk, maximumHeadSize: head, maximumBodySize: body)
            precondition(split == request, "simulator decoder: \(chunk)-byte reads give \(split), one read \(request)")
        }
    }
    return 0
}

/// The responses `HTTPClientResponseDecoder` decodes from `bytes` fed `chunkSize` at a time.
func responseTranscript(_ bytes: [UInt8], chunkSize: Int, maximumHeadSize: Int, maximumBodySize: Int) -> [String] {
    var decoder = HTTPClientResponseDecoder(maximumHeadSize: maximumHeadSize, maximumBodySize: maximumBodySize)
    var buffer = ByteBuffer()
    var lines: [String] = []
    var offset = 0
    repeat {
        let end = min(bytes.count, offset + chunkSize)
        buffer.writeBytes(bytes[offset..<end])
        offset = end
        do {
            while let response = try decoder.decode(buffer: &buffer) {
                precondition(response.body.readableBytes <= maximumBodySize, "a body beyond the limit was delivered")
                precondition(!(100..<200).contains(response.status), "an interim response was delivered")
                let headers = response.headers.map { "\($0.name):\($0.value)" }.joined(separator: "|")
                lines.append("\(response.version) \(response.status) \(response.reason) [\(headers)] \(Array(response.body.readableBytesView))")
            }
        } catch {
            // The case only: a body read until the close is refused as soon as it passes the
            // limit, so the length it reports is what had arrived by then (it depends on the reads).
            lines.append("error \(String(describing: error).prefix { $0 != "(" })")
            return lines
        }
    } while offset < bytes.count
    lines.append("pending \(buffer.readableBytes)")
    return lines
}
