import BGBProtocol
import NIOCore

/// A ConfigMgr messaging body: multipart/mixed with the `<Msg>` envelope (UTF-16LE with BOM) and
/// the zlib-compressed UTF-16LE payload (spec §5.2).
public struct CCMMessageBody: Hashable, Sendable {
    /// The trailer after a request payload's text: UTF-16 NUL + ASCII CRLF.
    public static let requestTrailer: [UInt8] = [0x00, 0x00, 0x0D, 0x0A]
    /// The trailer after a reply payload's text: UTF-16 NUL.
    public static let replyTrailer: [UInt8] = [0x00, 0x00]

    public var envelope: CCMEnvelope
    /// The envelope text as received.
    public var envelopeXML: String
    /// The payload text (without the trailer).
    public var payloadXML: String
    /// The compressed payload bytes as received or sent.
    public var compressedPayload: [UInt8]
    /// The inflated payload size, trailer included.
    public var uncompressedLength: Int
    /// The bytes after the payload text (NUL + CRLF in requests, NUL in replies; may be missing).
    public var trailer: [UInt8]

    /// Builds a request body: payload + NUL + CRLF compressed, `<Body Length>` = size − 2.
    public static func request(payloadXML: String, envelope: (_ bodyLength: Int) -> CCMEnvelope) -> CCMMessageBody {
        build(payloadXML: payloadXML, trailer: requestTrailer, lengthAdjustment: -2, envelope: envelope) {
            $0.requestXML
        }
    }

    /// Builds a reply body: payload + NUL compressed, `<Body Length>` = full uncompressed size.
    public static func reply(payloadXML: String, envelope: (_ bodyLength: Int) -> CCMEnvelope) -> CCMMessageBody {
        build(payloadXML: payloadXML, trailer: replyTrailer, lengthAdjustment: 0, envelope: envelope) {
            $0.replyXML
        }
    }

    static func build(
        payloadXML: String,
        trailer: [UInt8],
        lengthAdjustment: Int,
        envelope makeEnvelope: (Int) -> CCMEnvelope,
        render: (CCMEnvelope) -> String
    ) -> CCMMessageBody {
        let uncompressed = UTF16LE.encode(payloadXML) + trailer
        let envelope = makeEnvelope(uncompressed.count + lengthAdjustment)
        return CCMMessageBody(
            envelope: envelope,
            envelopeXML: render(envelope),
            payloadXML: payloadXML,
            compressedPayload: Zlib.compress(uncompressed),
            uncompressedLength: uncompressed.count,
            trailer: trailer
        )
    }

    init(
        envelope: CCMEnvelope,
        envelopeXML: String,
        payloadXML: String,
        compressedPayload: [UInt8],
        uncompressedLength: Int,
        trailer: [UInt8]
    ) {
        self.envelope = envelope
        self.envelopeXML = envelopeXML
        self.payloadXML = payloadXML
        self.compressedPayload = compressedPayload
        self.uncompressedLength = uncompressedLength
        self.trailer = trailer
    }

    /// The multipart form.
    public var multipart: CCMMultipart {
        CCMMultipart(parts: [
            .init(
                headers: [.init("content-type", "text/plain; charset=UTF-16")],
                body: UTF16LE.encode(envelopeXML, byteOrderMark: true)
            ),
            .init(headers: [.init("content-type", "application/octet-stream")], body: compressedPayload),
        ])
    }

    /// The HTTP body bytes.
    public func encode() -> [UInt8] { multipart.encode() }

    /// Decodes a body, inflating at most `inflateLimit` bytes (a zlib bomb is an error).
    public init(
        decoding body: [UInt8],
        contentType: String = CCMMultipart.contentType,
        inflateLimit: Int = 4 << 20
    ) throws(CCMMessagingError) {
        let multipart: CCMMultipart
        do {
            let boundary = try CCMMultipart.boundary(fromContentType: contentType)
            multipart = try CCMMultipart(decoding: body, boundary: boundary)
        } catch {
            throw .multipart(error)
        }
        guard multipart.parts.count == 2 else { throw .partCount(multipart.parts.count) }
        do {
            envelopeXML = try UTF16LE.decode(multipart.parts[0].body)
            compressedPayload = multipart.parts[1].body
            let inflated: [UInt8]
            do {
                inflated = try Zlib.decompress(compressedPayload, limit: inflateLimit)
            } catch {
                throw CCMMessagingError.zlib(error)
            }
            uncompressedLength = inflated.count
            // The text runs to the first UTF-16 NUL; what follows is the trailer.
            var textEnd = 0
            while textEnd + 1 < inflated.count, inflated[textEnd] != 0 || inflated[textEnd + 1] != 0 {
                textEnd += 2
            }
            textEnd = min(textEnd, inflated.count)
            payloadXML = try UTF16LE.decode(inflated[0..<textEnd])
            trailer = Array(inflated[textEnd...])
        } catch let error as UTF16LE.Error {
            throw .text(error)
        } catch let error as CCMMessagingError {
            throw error
        } catch {
            throw .payload("\(error)")
        }
        envelope = try CCMEnvelope(xml: envelopeXML)
    }
}

/// The registration HTTP exchange (spec §5.1, §5.6).
public enum CCMRegistrationHTTP {
    /// The anonymous registration path the SDK uses.
    public static let path = "/ccm_system/request"
    /// All paths the MP sim serves the same way.
    public static let paths = ["/ccm_system/request", "/ccm_system_windowsauth/request", "/ccm_system_altauth/request"]
    public static let userAgent = "ConfigMgr Messaging HTTP Sender"

    /// The SDK's exact request: `CCM_POST /ccm_system/request`, headers in order.
    public static func request(body: [UInt8], host: String, path: String = path) -> HTTPMessage {
        HTTPMessage(
            startLine: "CCM_POST \(path) HTTP/1.1",
            headers: [
                ("User-Agent", userAgent),
                ("Content-Type", CCMMultipart.contentType),
                ("Content-Length", String(body.count)),
                ("Connection", "close"),
                ("Host", host),
            ],
            body: ByteBuffer(bytes: body)
        )
    }

    /// The test server's reply: 200 with the multipart body.
    public static func reply(body: [UInt8]) -> HTTPMessage {
        HTTPMessage(
            startLine: "HTTP/1.1 200 OK",
            headers: [
                ("Content-Type", CCMMultipart.contentType),
                ("Content-Length", String(body.count)),
                ("Connection", "close"),
            ],
            body: ByteBuffer(bytes: body)
        )
    }
}
