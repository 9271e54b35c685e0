import BGBProtocol

/// The `<Msg>` envelope in part 1 of a ConfigMgr messaging body (spec §5.3, §5.6).
///
/// ``requestXML`` writes the SDK's exact request form; ``replyXML`` the test server's reply form.
/// Decoding keeps every element's text so tools can show it, and reads the fields the protocol uses.
public struct CCMEnvelope: Hashable, Sendable {
    public var id: String
    public var correlationID: String
    /// `<Body Length>`: for a request the uncompressed payload size minus 2 (the CRLF).
    public var bodyLength: Int
    public var replyTo: String
    public var sentTime: String
    public var sourceHost: String
    public var targetAddress: String
    public var targetEndpoint: String
    public var targetHost: String
    public var priority: Int
    public var timeout: Int
    public var replyCompression: String?
    public var schemaVersion: String

    public init(
        id: String = "{" + GUIDText.random() + "}",
        correlationID: String = "{00000000-0000-0000-0000-000000000000}",
        bodyLength: Int,
        replyTo: String,
        sentTime: String,
        sourceHost: String,
        targetAddress: String,
        targetEndpoint: String,
        targetHost: String,
        priority: Int = 0,
        timeout: Int = 60000,
        replyCompression: String? = "zlib",
        schemaVersion: String = "1.1"
    ) {
        self.id = id
        self.correlationID = correlationID
        self.bodyLength = bodyLength
        self.replyTo = replyTo
        self.sentTime = sentTime
        self.sourceHost = sourceHost
        self.targetAddress = targetAddress
        self.targetEndpoint = targetEndpoint
        self.targetHost = targetHost
        self.priority = priority
        self.timeout = timeout
        self.replyCompression = replyCompression
        self.schemaVersion = schemaVersion
    }

    /// The envelope of a registration request from `clientHost` to the MP dialled as `mpHost`.
    public static func registrationRequest(
        bodyLength: Int,
        clientHost: String,
        mpHost: String,
        sentTime: String,
        id: String = "{" + GUIDText.random() + "}"
    ) -> CCMEnvelope {
        CCMEnvelope(
            id: id,
            bodyLength: bodyLength,
            replyTo: "direct:\(clientHost):SccmMessaging",
            sentTime: sentTime,
            sourceHost: clientHost,
            targetAddress: "mp:MP_ClientRegistration",
            targetEndpoint: "MP_ClientRegistration",
            targetHost: mpHost
        )
    }

    /// The SDK's request form, element order of spec §5.3, `" />"` on empty elements.
    public var requestXML: String {
        let e = { (text: String) in XMLEscaping.escape(text) }
        var xml = "<Msg"
        if let replyCompression { xml += " ReplyCompression=\"\(XMLEscaping.escape(replyCompression, inAttribute: true))\"" }
        xml += " SchemaVersion=\"\(schemaVersion)\">"
        xml += "<Body Type=\"ByteRange\" Length=\"\(bodyLength)\" Offset=\"0\" />"
        xml += "<CorrelationID>\(e(correlationID))</CorrelationID>"
        xml += "<Hooks><Hook3 Name=\"zlib-compress\" /></Hooks>"
        xml += "<ID>\(e(id))</ID>"
        xml += "<Payload Type=\"inline\" />"
        xml += "<Priority>\(priority)</Priority>"
        xml += "<Protocol>http</Protocol>"
        xml += "<ReplyMode>Sync</ReplyMode>"
        xml += "<ReplyTo>\(e(replyTo))</ReplyTo>"
        xml += "<SentTime>\(e(sentTime))</SentTime>"
        xml += "<SourceHost>\(e(sourceHost))</SourceHost>"
        xml += "<TargetAddress>\(e(targetAddress))</TargetAddress>"
        xml += "<TargetEndpoint>\(e(targetEndpoint))</TargetEndpoint>"
        xml += "<TargetHost>\(e(targetHost))</TargetHost>"
        xml += "<Timeout>\(timeout)</Timeout>"
        xml += "</Msg>"
        return xml
    }

    /// The reply envelope the test server sent (spec §5.6), answering `request`.
    public static func registrationReply(
        answering request: CCMEnvelope,
        bodyLength: Int,
        mpHost: String,
        sentTime: String
    ) -> CCMEnvelope {
        CCMEnvelope(
            correlationID: request.id,
            bodyLength: bodyLength,
            replyTo: "direct:\(mpHost):MP_ClientRegistration",
            sentTime: sentTime,
            sourceHost: request.targetHost,
            targetAddress: request.replyTo,
            targetEndpoint: "",
            targetHost: "",
            priority: 3,
            timeout: 600,
            replyCompression: "zlib"
        )
    }

    /// The test server's reply form (element order of the `registration-reply` vector).
    public var replyXML: String {
        let e = { (text: String) in XMLEscaping.escape(text) }
        var xml = "<Msg SchemaVersion=\"\(schemaVersion)\">"
        xml += "<ID>\(e(id))</ID>"
        xml += "<SourceHost>\(e(sourceHost))</SourceHost>"
        xml += "<TargetAddress>\(e(targetAddress))</TargetAddress>"
        xml += "<ReplyTo>\(e(replyTo))</ReplyTo>"
        xml += "<CorrelationID>\(e(correlationID))</CorrelationID>"
        xml += "<Priority>\(priority)</Priority>"
        xml += "<Timeout>\(timeout)</Timeout>"
        xml += "<SentTime>\(e(sentTime))</SentTime>"
        xml += "<Protocol>http</Protocol>"
        xml += "<Body Type=\"ByteRange\" Offset=\"0\" Length=\"\(bodyLength)\"/>"
        xml += "<Hooks><Hook3 Name=\"zlib-compress\"/></Hooks>"
        xml += "<Payload Type=\"inline\"/>"
        if let replyCompression { xml += "<ReplyCompression>\(e(replyCompression))</ReplyCompression>" }
        xml += "</Msg>"
        return xml
    }

    /// Decodes either form leniently.
    public init(xml: String) throws(CCMMessagingError) {
        let root: XMLElement
        do {
            root = try XMLReader(
                limits: .init(maximumDepth: 3, maximumTextLength: 4096, maximumElements: 64, allowsNonASCII: true)
            ).parse(xml)
        } catch {
            throw .envelope(error.description)
        }
        guard root.name == "Msg" else { throw .envelope("root is <\(root.name)>, expected <Msg>") }
        func text(_ name: String) -> String { root.child(name)?.text ?? "" }
        id = text("ID")
        correlationID = text("CorrelationID")
        guard let lengthText = root.child("Body")?.attribute("Length"), let length = Int(lengthText), length >= 0
        else { throw .envelope("<Body> has no valid Length attribute") }
        bodyLength = length
        replyTo = text("ReplyTo")
        sentTime = text("SentTime")
        sourceHost = text("SourceHost")
        targetAddress = text("TargetAddress")
        targetEndpoint = text("TargetEndpoint")
        targetHost = text("TargetHost")
        priority = Int(text("Priority")) ?? 0
        timeout = Int(text("Timeout")) ?? 0
        replyCompression = root.attribute("ReplyCompression") ?? root.child("ReplyCompression")?.text
        schemaVersion = root.attribute("SchemaVersion") ?? ""
    }
}
