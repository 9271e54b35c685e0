import BGBProtocol
import NIOCore
import Testing

/// Inputs found by the libFuzzer targets in Fuzz/ (see docs/fuzzing.md), kept as regression tests.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzFrames, crash-6b3ddeef…: a Continue body whose Response carried `TimeStamp="4052-…"`;
    /// `epochNanoseconds` trapped on Int64 overflow. It now saturates.
    @Test(
        "epochNanoseconds saturates outside the Int64 nanosecond range instead of trapping",
        arguments: [
            ("4052-11-26T17:46:08.807824Z", Int64.max), ("9999-12-31T23:59:59.9999999-14:00", Int64.max),
            ("2262-04-11T23:47:16.8547759Z", Int64.max), ("0000-01-01T00:00:00+14:00", Int64.min),
            ("1677-09-21T00:12:42.9999999Z", Int64.min),
        ]
    )
    func timeStampOutOfRange(text: String, expected: Int64) throws {
        #expect(try BGBTimeStamp(parsing: text).epochNanoseconds == expected)
    }

    @Test("the edges of the Int64 nanosecond range are still exact")
    func timeStampRangeEdges() throws {
        #expect(try BGBTimeStamp(parsing: "2262-04-11T23:47:16.8547758Z").epochNanoseconds == Int64.max - 7)
        #expect(try BGBTimeStamp(parsing: "1677-09-21T00:12:43.1452242Z").epochNanoseconds == Int64.min + 8)
        #expect(try BGBTimeStamp(parsing: "1677-09-21T00:12:43.1452241Z").epochNanoseconds == Int64.min)
    }

    @Test("a decoded far-future Response keeps its TimeStamp and yields a saturated instant")
    func farFutureResponse() throws {
        let xml = "<BgbResponseMessage TimeStamp=\"4052-11-26T17:46:08.807824Z\"><PushID>1</PushID>"
            + "<TaskID>1</TaskID><ReturnCode>1</ReturnCode></BgbResponseMessage>"
        let message = try BGBMessage(channel: .response, payload: ByteBuffer(string: xml))
        guard case .response(let response) = message else {
            Issue.record("decoded \(message)")
            return
        }
        #expect(response.timeStamp.description == "4052-11-26T17:46:08.807824Z")
        #expect(response.timeStamp.epochNanoseconds == .max)
    }
}
