// libFuzzer target: BGB frames, BGB message XML, XMLReader, BGB HTTP bodies, HTTPMessage.
//
// Every input is fed to every decoder (each one is cheap), so one corpus serves them all:
// a TCP frame seed also exercises the HTTP body parsers and the XML reader, and vice versa.
// Besides "does not crash, does not hang", it checks two properties and traps when they fail:
//   * a decoded BGBMessage re-encodes (writeTCPFrame) to bytes that decode to the same message;
//   * XMLEscaping: any valid UTF-8 text, escaped into an element and an attribute, reads back unchanged.
import BGBProtocol
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let buffer = ByteBuffer(bytes: bytes)

    fuzzFrameStream(buffer)
    fuzzXMLReader(bytes)
    fuzzMessagePayloads(buffer)
    fuzzHTTPBodies(buffer)
    fuzzHTTPMessage(buffer)
    fuzzEscaping(bytes)
    return 0
}

/// The inputs' bytes as a stream of TCP frames, as the generator's channel pipeline sees them.
func fuzzFrameStream(_ input: ByteBuffer) {
    // Tolerant: what the generator uses (zero-length frames and unknown channels are delivered).
    // A small maximum so that length checks are reachable with small inputs.
    for configuration in [
        BGBFrameParser.Configuration.tolerant,
        BGBFrameParser.Configuration(maximumPayloadSize: 4096, zeroPayload: .deliver, unknownChannel: .deliver),
    ] {
        let parser = BGBFrameParser(configuration: configuration)
        var stream = input
        while true {
            let before = stream.readerIndex
            let frame: BGBFrame?
            do {
                frame = try parser.nextFrame(from: &stream)
            } catch {
                _ = error.description
                break
            }
            guard let frame else {
                // Needs more data: nothing may have been consumed.
                precondition(stream.readerIndex == before, "nextFrame consumed bytes without returning a frame")
                break
            }
            precondition(stream.readerIndex > before, "nextFrame returned a frame without progress")
            precondition(stream.readerIndex - before == frame.encodedSize, "frame size does not match the bytes read")
            decodeAndRoundTrip(frame)
        }
    }
    // Strict, whole-buffer: a captured record.
    do {
        for frame in try BGBFrameParser(configuration: .strict).frames(in: input) {
            decodeAndRoundTrip(frame)
        }
    } catch {
        _ = error.description
    }
}

/// Decodes a frame's message; a decoded message must survive encode → parse → decode unchanged.
func decodeAndRoundTrip(_ frame: BGBFrame) {
    let message: BGBMessage
    do {
        message = try BGBMessage(frame: frame)
    } catch {
        _ = error.description
        return
    }
    inspect(message)
    var encoded = ByteBuffer()
    let written = message.writeTCPFrame(into: &encoded)
    precondition(written == encoded.readableBytes, "writeTCPFrame returned the wrong size")
    let frames: [BGBFrame]
    do {
        frames = try BGBFrameParser(configuration: .tolerant).frames(in: encoded)
    } catch {
        preconditionFailure("re-encoded \(message) is not a valid frame: \(error)")
    }
    precondition(frames.count == 1, "re-encoded message is \(frames.count) frames")
    let again: BGBMessage
    do {
        again = try BGBMessage(frame: frames[0])
    } catch {
        preconditionFailure("re-encoded \(message) does not decode: \(error)")
    }
    precondition(again == message, "round trip changed \(message) into \(again)")
}

/// Touches the derived values a consumer reads.
func inspect(_ message: BGBMessage) {
    _ = message.channel.description
    switch message {
    case .signIn(let signIn):
        inspect(signIn.timeStamp)
        _ = signIn.clientID.guid
        _ = signIn.clientVersion.description
    case .signInConfirm(let confirm):
        inspect(confirm.timeStamp)
    case .keepAlive(let keepAlive):
        inspect(keepAlive.timeStamp)
    case .request(let request):
        inspect(request.timeStamp)
        _ = request.normalizedTaskGuid
    case .response(let response):
        inspect(response.timeStamp)
    case .disconnect(let timeStamp):
        if let timeStamp { inspect(timeStamp) }
    case .negotiationNeeded, .none:
        break
    }
}

func inspect(_ stamp: BGBTimeStamp) {
    let text = stamp.description
    _ = stamp.epochNanoseconds
    // The text of a parsed timestamp parses back to the same value.
    guard let again = try? BGBTimeStamp(parsing: text) else {
        preconditionFailure("TimeStamp \(text) does not parse back")
    }
    precondition(again == stamp, "TimeStamp \(text) changed on a round trip")
}

/// The whole input as one XML document, under the BGB limits and under permissive ones.
func fuzzXMLReader(_ bytes: UnsafeBufferPointer<UInt8>) {
    for limits in [
        XMLReader.Limits.bgbMessage,
        XMLReader.Limits(maximumDepth: 8, maximumTextLength: 256, maximumElements: 32, allowsNonASCII: true),
    ] {
        do {
            let root = try XMLReader(limits: limits).parse(bytes)
            _ = root.attribute("TimeStamp")
            _ = root.child("ClientID")
        } catch {
            _ = error.description
        }
    }
}

/// The whole input as the payload of every channel (the frame layer usually stops mutations early).
func fuzzMessagePayloads(_ payload: ByteBuffer) {
    for raw in UInt16(0)...8 {
        let frame = BGBFrame(channel: BGBChannel(rawValue: raw), payload: payload)
        decodeAndRoundTrip(frame)
    }
}

/// The input as each BGB HTTP body (spec §4).
func fuzzHTTPBodies(_ body: ByteBuffer) {
    do {
        let request = try BGBContinueRequest(body: body)
        precondition(request.encodedSize == body.readableBytes, "Continue request size mismatch")
        var encoded = ByteBuffer()
        request.write(into: &encoded)
        precondition(encoded == body, "Continue request does not re-encode to its bytes")
        decodeAndRoundTrip(request.frame)
    } catch {
        _ = error.description
    }
    do {
        let answer = try BGBContinueAnswer(body: body)
        _ = answer.sessionID.description
        var encoded = ByteBuffer()
        answer.write(into: &encoded)
        precondition(encoded == body, "Continue answer does not re-encode to its bytes")
        if let frame = answer.frame { decodeAndRoundTrip(frame) }
    } catch {
        _ = error.description
    }
    do {
        let answer = try BGBLogInAnswer(body: body)
        _ = answer.sessionID.utf16LEText
    } catch {
        _ = error.description
    }
    do {
        _ = try BGBLogOutRequest(body: body)
    } catch {
        _ = error.description
    }
}

/// The input as a complete HTTP/1.1 message (the vectors' form); its body goes to the body parsers.
func fuzzHTTPMessage(_ input: ByteBuffer) {
    do {
        let message = try HTTPMessage(parsing: input, maximumHeaderBytes: 4096)
        _ = message.method
        _ = message.target
        _ = message.status
        _ = message.header("Content-Length")
        if message.body.readableBytes > 0 { fuzzHTTPBodies(message.body) }
    } catch {
        _ = error.description
    }
}

/// Escaped text reads back unchanged, in element content and in a double-quoted attribute.
func fuzzEscaping(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count <= 512, let text = String(validating: bytes, as: UTF8.self) else { return }
    let document =
        "<a v=\"" + XMLEscaping.escape(text, inAttribute: true) + "\">" + XMLEscaping.escape(text) + "</a>"
    let limits = XMLReader.Limits(maximumDepth: 1, maximumTextLength: 4096, maximumElements: 1, allowsNonASCII: true)
    let root: XMLElement
    do {
        root = try XMLReader(limits: limits).parse(document)
    } catch {
        preconditionFailure("escaped text \(text.debugDescription) does not parse: \(error)")
    }
    precondition(root.attribute("v") == text, "attribute value changed: \(text.debugDescription)")
    precondition(root.text == text, "element text changed: \(text.debugDescription)")
}
