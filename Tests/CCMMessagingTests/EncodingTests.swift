import BGBProtocol
import CCMMessaging
import Testing

@Suite("zlib, UTF-16LE, multipart")
struct EncodingTests {
    @Test("zlib round trip")
    func zlibRoundTrip() throws {
        let input = Array(String(repeating: "<ClientRegistrationRequest/>", count: 200).utf8)
        let compressed = Zlib.compress(input)
        #expect(compressed.prefix(2) == [0x78, 0x9C])
        #expect(compressed.count < input.count)
        #expect(try Zlib.decompress(compressed) == input)
        #expect(try Zlib.decompress(Zlib.compress([])) == [])
    }

    @Test("a zlib bomb stops at the limit instead of exhausting memory")
    func zlibBomb() {
        let bomb = Zlib.compress([UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 16_384)
        #expect(throws: Zlib.Error.outputLimitExceeded(limit: 1 << 20)) {
            try Zlib.decompress(bomb, limit: 1 << 20)
        }
    }

    @Test("corrupt, truncated and trailing zlib data are typed errors")
    func zlibErrors() {
        let good = Zlib.compress(Array("hello hello hello".utf8))
        #expect(throws: Zlib.Error.truncated) { try Zlib.decompress(Array(good.dropLast(5))) }
        #expect(throws: Zlib.Error.trailingBytes(2)) { try Zlib.decompress(good + [1, 2]) }
        #expect(throws: Zlib.Error.self) { try Zlib.decompress([0x78, 0x9C, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: Zlib.Error.corrupt("incorrect header check")) { try Zlib.decompress([0x12, 0x34, 0x56]) }
    }

    @Test("UTF-16LE with and without BOM; NUL ends the text")
    func utf16() throws {
        let text = "<Msg>é€😀</Msg>"
        let withBOM = UTF16LE.encode(text, byteOrderMark: true)
        #expect(withBOM.prefix(2) == [0xFF, 0xFE])
        #expect(try UTF16LE.decode(withBOM) == text)
        #expect(try UTF16LE.decode(UTF16LE.encode(text) + [0, 0, 0x0D, 0x0A]) == text)
        #expect(throws: UTF16LE.Error.oddLength(3)) { try UTF16LE.decode([0x41, 0x00, 0x42]) }
        #expect(throws: UTF16LE.Error.invalidSequence(offset: 2)) { try UTF16LE.decode([0x41, 0x00, 0x00, 0xD8]) }
    }

    @Test("multipart: exact encoding, lenient decoding, typed errors")
    func multipart() throws {
        let message = CCMMultipart(parts: [
            .init(headers: [.init("content-type", "text/plain; charset=UTF-16")], body: [1, 2, 3]),
            .init(headers: [.init("content-type", "application/octet-stream")], body: [0x0D, 0x0A, 0x0D]),
        ])
        let bytes = message.encode()
        let expected =
            "--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n\u{1}\u{2}\u{3}\r\n"
            + "--aAbBcCdDv1234567890VxXyYzZ\r\ncontent-type: application/octet-stream\r\n\r\n\r\n\r\r\n"
            + "--aAbBcCdDv1234567890VxXyYzZ--"
        #expect(bytes == Array(expected.utf8))
        #expect(try CCMMultipart(decoding: bytes, boundary: CCMMultipart.boundary) == message)
        #expect(try CCMMultipart.boundary(fromContentType: CCMMultipart.contentType) == CCMMultipart.boundary)
        #expect(try CCMMultipart.boundary(fromContentType: "multipart/mixed; BOUNDARY=abc") == "abc")

        // Extra CRLFs before the first delimiter and upper-case header names are accepted.
        let lenient = try CCMMultipart(decoding: [0x0D, 0x0A] + Array(expected.utf8).map { $0 }, boundary: CCMMultipart.boundary)
        #expect(lenient.parts.count == 2)
        #expect(lenient.parts[0].header("Content-Type") == "text/plain; charset=UTF-16")

        #expect(throws: CCMMultipart.Error.missingBoundary(contentType: "multipart/mixed")) {
            try CCMMultipart.boundary(fromContentType: "multipart/mixed")
        }
        #expect(throws: CCMMultipart.Error.noOpeningDelimiter) {
            try CCMMultipart(decoding: Array("hello".utf8), boundary: "x")
        }
        #expect(throws: CCMMultipart.Error.unterminatedPart(index: 0)) {
            try CCMMultipart(decoding: Array("--x\r\na: b\r\n\r\nbody".utf8), boundary: "x")
        }
        #expect(throws: CCMMultipart.Error.malformedPartHeader(index: 0, line: "nocolon")) {
            try CCMMultipart(decoding: Array("--x\r\nnocolon\r\n\r\nbody\r\n--x--".utf8), boundary: "x")
        }
    }

    @Test("a registration body whose payload is a zlib bomb is refused")
    func bodyBomb() {
        let body = CCMMessageBody.request(payloadXML: String(repeating: "A", count: 600_000)) { length in
            CCMEnvelope.registrationRequest(bodyLength: length, clientHost: "h", mpHost: "m", sentTime: "t")
        }
        #expect(throws: CCMMessagingError.zlib(.outputLimitExceeded(limit: 65_536))) {
            try CCMMessageBody(decoding: body.encode(), inflateLimit: 65_536)
        }
        #expect(throws: CCMMessagingError.partCount(1)) {
            try CCMMessageBody(decoding: CCMMultipart(parts: [.init(headers: [], body: [0x41, 0])]).encode())
        }
    }

    @Test("registration replies: numbers and names, pending, error without SMSID")
    func replies() throws {
        let reply = try ClientRegistrationResponse(
            xml: #"<ClientRegistrationResponse ResponseType="Registration" SMSID="" Status="Pending" ApprovalStatus="Pending" TimeStamp="x"/>"#
        )
        #expect(reply.status == .pending)
        #expect(reply.approvalStatus == .pending)
        #expect(reply.smsID == nil)
        #expect(throws: CCMMessagingError.self) {
            try ClientRegistrationResponse(xml: #"<ClientRegistrationResponse Status="9"/>"#)
        }
        #expect(throws: CCMMessagingError.self) {
            try ClientRegistrationResponse(xml: #"<Other/>"#)
        }
    }
}
