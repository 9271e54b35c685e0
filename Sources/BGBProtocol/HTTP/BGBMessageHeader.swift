import NIOCore

/// The XML message header of an HTTP Continue (spec §4.5):
///
/// `<Message><SourceType>SCCM</SourceType><SourceID>GUID:…</SourceID><Hooks><Hook Name="Authentication">`
/// `<Property Name="PayloadSignature" Value="…" /></Hook></Hooks></Message>`
///
/// `payloadSignature` is base64 of the byte-reversed RSA-SHA256 signature of the payload bytes
/// (computed by `CCMMessaging`'s `ReversedSignature`). 549 bytes for an RSA-2048 key.
public struct BGBMessageHeader: Hashable, Sendable {
    public var sourceType: String
    public var sourceID: SMSID
    public var payloadSignature: String

    public init(sourceType: String = "SCCM", sourceID: SMSID, payloadSignature: String) {
        self.sourceType = sourceType
        self.sourceID = sourceID
        self.payloadSignature = payloadSignature
    }

    @discardableResult
    public func write(into buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        buffer.writeStaticString("<Message><SourceType>")
        buffer.writeXMLEscaped(sourceType)
        buffer.writeStaticString("</SourceType><SourceID>")
        buffer.writeString(sourceID.rawValue)
        buffer.writeStaticString(
            "</SourceID><Hooks><Hook Name=\"Authentication\"><Property Name=\"PayloadSignature\" Value=\""
        )
        buffer.writeXMLEscaped(payloadSignature, inAttribute: true)
        buffer.writeStaticString("\" /></Hook></Hooks></Message>")
        return buffer.writerIndex - start
    }

    /// The header as a buffer.
    public var buffer: ByteBuffer {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return buffer
    }

    /// Decodes a `<Message>` header leniently (any order, unknown elements ignored).
    public init(bytes: ByteBuffer) throws(BGBHTTPBodyError) {
        let root: XMLElement
        do {
            root = try XMLReader(limits: .init(maximumDepth: 4, maximumTextLength: 16_384))
                .parse(Array(bytes.readableBytesView))
        } catch {
            throw .messageHeader(error.description)
        }
        guard root.name == "Message" else { throw .messageHeader("root is <\(root.name)>, expected <Message>") }
        guard let sourceIDText = root.child("SourceID")?.text else { throw .messageHeader("no <SourceID>") }
        do {
            sourceID = try SMSID(sourceIDText.trimmingASCIIWhitespace())
        } catch {
            throw .messageHeader(error.description)
        }
        sourceType = root.child("SourceType")?.text ?? ""
        let property = root.child("Hooks")?.children
            .filter { $0.name == "Hook" && $0.attribute("Name") == "Authentication" }
            .flatMap(\.children)
            .first { $0.name == "Property" && $0.attribute("Name") == "PayloadSignature" }
        guard let value = property?.attribute("Value") else {
            throw .messageHeader("no Authentication/PayloadSignature property")
        }
        payloadSignature = value
    }
}
