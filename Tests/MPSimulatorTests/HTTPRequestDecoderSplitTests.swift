import NIOCore
import Testing

@_spi(Fuzzing) @testable import MPSimulator

/// The simulator's HTTP request decoder gives the same answer however the bytes are split into
/// reads (what FuzzHTTP checks on random input; these are the cases at the head limit).
@Suite("HTTP request decoder: read splitting")
struct HTTPRequestDecoderSplitTests {
    /// A request whose head, blank line included, is `size` bytes.
    static func request(headSize size: Int) -> [UInt8] {
        let start = "CCM_POST /bgb/handler.ashx HTTP/1.1\r\nX: "
        let filler = String(repeating: "a", count: size - start.utf8.count - 4)
        return Array((start + filler + "\r\n\r\n").utf8)
    }

    @Test("a head of exactly maximumHeadSize bytes is read; one to four bytes more is refused, split or not",
          arguments: [64, 65, 66, 67, 68])
    func headLimit(size: Int) {
        let bytes = Self.request(headSize: size)
        #expect(bytes.count == size)
        let whole = HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: bytes.count, maximumHeadSize: 64, maximumBodySize: 32)
        for chunk in [1, 7, 63] {
            #expect(HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: chunk, maximumHeadSize: 64, maximumBodySize: 32) == whole)
        }
        if size == 64 {
            #expect(whole.first?.hasPrefix("CCM_POST /bgb/handler.ashx HTTP/1.1") == true)
        } else {
            #expect(whole == ["error headTooLarge(64)"])
        }
    }

    @Test("Expect: 100-continue, then the body, in one read or byte by byte")
    func continueThenBody() {
        let bytes = Array("CCM_POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc".utf8)
        let whole = HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: bytes.count, maximumHeadSize: 1024, maximumBodySize: 32)
        #expect(whole.count == 3)
        #expect(whole.first == "100-continue")
        #expect(whole.last == "pending 0")
        #expect(HTTPRequestDecoderFuzzing.transcript(of: bytes, chunkSize: 1, maximumHeadSize: 1024, maximumBodySize: 32) == whole)
    }
}
