// libFuzzer target: the ConfigMgr messaging body decoders of CCMMessaging.
//
// Every input goes to every decoder: the multipart body (fixed boundary and a boundary taken from
// the input's first line), the whole CCMMessageBody pipeline with a small inflate limit, raw zlib,
// UTF-16LE, and the XML documents (<Msg> envelope, ClientRegistrationRequest/Response).
// Properties checked (a failure traps):
//   * Zlib.decompress never returns more than its limit, and refuses a limit one byte too small;
//   * compress → decompress gives the input back;
//   * a decoded multipart body re-encodes to bytes that decode to the same parts.
import BGBProtocol
import CCMMessaging

/// Small, so that the limit path is reachable and memory stays low.
let inflateLimit = 64 << 10

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    fuzzMessageBody(bytes, contentType: CCMMultipart.contentType)
    fuzzMultipart(bytes, boundary: CCMMultipart.boundary)
    fuzzContentTypeLine(bytes)
    fuzzZlib(bytes)
    fuzzText(bytes)
    return 0
}

/// The whole registration body pipeline: multipart → UTF-16LE envelope → zlib → UTF-16LE payload.
func fuzzMessageBody(_ bytes: [UInt8], contentType: String) {
    do {
        let body = try CCMMessageBody(decoding: bytes, contentType: contentType, inflateLimit: inflateLimit)
        precondition(body.uncompressedLength <= inflateLimit, "inflated past the limit")
        _ = body.envelope.requestXML
        _ = body.envelope.replyXML
        fuzzPayloadXML(body.payloadXML)
    } catch {
        _ = error.description
    }
}

/// Multipart alone; a decoded body must survive encode → decode.
func fuzzMultipart(_ bytes: [UInt8], boundary: String) {
    let multipart: CCMMultipart
    do {
        multipart = try CCMMultipart(decoding: bytes, boundary: boundary)
    } catch {
        _ = error.description
        return
    }
    for part in multipart.parts {
        _ = part.header("Content-Type")
    }
    let encoded = multipart.encode()
    do {
        let again = try CCMMultipart(decoding: encoded, boundary: boundary)
        precondition(again == multipart, "multipart round trip changed the parts")
    } catch {
        preconditionFailure("re-encoded multipart does not decode: \(error)")
    }
}

/// The first line is a Content-Type header value, the rest the body.
func fuzzContentTypeLine(_ bytes: [UInt8]) {
    guard let newline = bytes.firstIndex(of: 0x0A), newline <= 256 else { return }
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = Array(bytes[(newline + 1)...])
    do {
        let boundary = try CCMMultipart.boundary(fromContentType: contentType)
        fuzzMultipart(body, boundary: boundary)
        fuzzMessageBody(body, contentType: contentType)
    } catch {
        _ = error.description
    }
}

/// The input as a zlib stream, and (when small) as data to compress.
func fuzzZlib(_ bytes: [UInt8]) {
    do {
        let inflated = try Zlib.decompress(bytes, limit: inflateLimit)
        precondition(inflated.count <= inflateLimit, "Zlib.decompress returned more than its limit")
        // One byte less than the stream holds must be refused, not truncated.
        if !inflated.isEmpty {
            do {
                _ = try Zlib.decompress(bytes, limit: inflated.count - 1)
                preconditionFailure("Zlib.decompress ignored a limit below the output size")
            } catch {
                precondition(error == .outputLimitExceeded(limit: inflated.count - 1), "wrong error \(error)")
            }
        }
    } catch {
        _ = error.description
    }
    // deflateInit's buffers are costly under ASan: round-trip small inputs only.
    if bytes.count <= 256 {
        let compressed = Zlib.compress(bytes)
        do {
            let restored = try Zlib.decompress(compressed, limit: bytes.count)
            precondition(restored == bytes, "zlib round trip changed the data")
        } catch {
            preconditionFailure("zlib round trip failed: \(error)")
        }
    }
}

/// The input as UTF-16LE (the envelope's and payload's encoding) and as UTF-8 XML documents.
func fuzzText(_ bytes: [UInt8]) {
    do {
        let text = try UTF16LE.decode(bytes)
        fuzzPayloadXML(text)
    } catch {
        _ = error.description
    }
    fuzzPayloadXML(String(decoding: bytes, as: UTF8.self))
}

/// The XML documents of a registration exchange.
func fuzzPayloadXML(_ xml: String) {
    do {
        let request = try ClientRegistrationRequest(xml: xml)
        _ = request.dataXML
        _ = request.signedBytes
    } catch {
        _ = error.description
    }
    do {
        let response = try ClientRegistrationResponse(xml: xml)
        _ = response.status.name
        _ = response.approvalStatus.name
    } catch {
        _ = error.description
    }
    do {
        _ = try CCMEnvelope(xml: xml)
    } catch {
        _ = error.description
    }
}
