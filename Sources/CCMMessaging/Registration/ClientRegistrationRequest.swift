import BGBProtocol

/// The `ClientRegistrationRequest` a client sends to `MP_ClientRegistration` (spec §5.4).
public struct ClientRegistrationRequest: Hashable, Sendable {
    /// The `HashAlgorithm` attribute values seen in the wild.
    public enum HashAlgorithmOID {
        /// The SHA-256 digest OID, what the SDK sends.
        public static let sha256Digest = "2.16.840.1.101.3.4.2.1"
        /// sha256WithRSAEncryption, what public tools send.
        public static let sha256WithRSA = "1.2.840.113549.1.1.11"
        /// The SHA-1 digest OID.
        public static let sha1Digest = "1.3.14.3.2.26"
        /// sha1WithRSAEncryption.
        public static let sha1WithRSA = "1.2.840.113549.1.1.5"

        /// The digest an OID names, or nil for an unknown OID.
        public static func digest(for oid: String) -> ReversedSignature.Digest? {
            switch oid {
            case sha256Digest, sha256WithRSA: .sha256
            case sha1Digest, sha1WithRSA: .sha1
            default: nil
            }
        }
    }

    public var hashAlgorithm: String
    /// Empty for a new client; a client may propose one.
    public var smsID: String
    /// `Registration` or `Confirmation`.
    public var requestType: String
    /// UTC whole seconds `Z`.
    public var timeStamp: String
    public var agentIdentity: String
    public var agentVersion: String
    public var agentType: String
    /// DER of the encryption certificate (the same as the signing one for SMS certificates).
    public var encryptionCertificate: [UInt8]
    public var signingCertificate: [UInt8]
    /// `1` self-signed, `2` PKI.
    public var keyType: String
    public var netbiosName: String
    public var fqName: String
    public var localeID: String
    public var internetFlag: String
    /// Upper-case hex of the reversed signature; empty before signing.
    public var signatureValue: String

    public init(
        hashAlgorithm: String = HashAlgorithmOID.sha256Digest,
        smsID: String = "",
        requestType: String = "Registration",
        timeStamp: String,
        agentIdentity: String = "CCMSetup.exe",
        agentVersion: String = ClientVersion.agentDefault.description,
        agentType: String = "0",
        certificate: [UInt8],
        keyType: String = "1",
        netbiosName: String,
        fqName: String,
        localeID: String = "1033",
        internetFlag: String = "0",
        signatureValue: String = ""
    ) {
        self.hashAlgorithm = hashAlgorithm
        self.smsID = smsID
        self.requestType = requestType
        self.timeStamp = timeStamp
        self.agentIdentity = agentIdentity
        self.agentVersion = agentVersion
        self.agentType = agentType
        self.encryptionCertificate = certificate
        self.signingCertificate = certificate
        self.keyType = keyType
        self.netbiosName = netbiosName
        self.fqName = fqName
        self.localeID = localeID
        self.internetFlag = internetFlag
        self.signatureValue = signatureValue
    }

    /// `<Data …>…</Data>` exactly as it is written: the text the signature covers (spec §5.5).
    public var dataXML: String {
        func a(_ text: String) -> String { XMLEscaping.escape(text, inAttribute: true) }
        var xml = "<Data HashAlgorithm=\"\(a(hashAlgorithm))\" SMSID=\"\(a(smsID))\""
        xml += " RequestType=\"\(a(requestType))\" TimeStamp=\"\(a(timeStamp))\">"
        xml += "<AgentInformation AgentIdentity=\"\(a(agentIdentity))\" AgentVersion=\"\(a(agentVersion))\""
        xml += " AgentType=\"\(a(agentType))\" />"
        xml += "<Certificates>"
        xml += "<Encryption Encoding=\"HexBinary\" KeyType=\"\(a(keyType))\">"
        xml += ReversedSignature.hex(encryptionCertificate) + "</Encryption>"
        xml += "<Signing Encoding=\"HexBinary\" KeyType=\"\(a(keyType))\">"
        xml += ReversedSignature.hex(signingCertificate) + "</Signing>"
        xml += "</Certificates>"
        xml += "<DiscoveryProperties>"
        xml += "<Property Name=\"Netbios Name\" Value=\"\(a(netbiosName))\" />"
        xml += "<Property Name=\"FQ Name\" Value=\"\(a(fqName))\" />"
        xml += "<Property Name=\"Locale ID\" Value=\"\(a(localeID))\" />"
        xml += "<Property Name=\"InternetFlag\" Value=\"\(a(internetFlag))\" />"
        xml += "</DiscoveryProperties></Data>"
        return xml
    }

    /// The whole document.
    public var xml: String {
        "<ClientRegistrationRequest>" + dataXML + "<Signature><SignatureValue>" + signatureValue
            + "</SignatureValue></Signature></ClientRegistrationRequest>"
    }

    /// The bytes the signature covers: ``dataXML`` in UTF-16LE, no BOM, no NUL.
    public var signedBytes: [UInt8] { UTF16LE.encode(dataXML) }

    /// Decodes a request document, keeping the exact `<Data>` text for verification.
    public init(xml: String) throws(CCMMessagingError) {
        let root: XMLElement
        do {
            root = try XMLReader(
                limits: .init(maximumDepth: 4, maximumTextLength: 65_536, maximumElements: 64, allowsNonASCII: true)
            ).parse(xml)
        } catch {
            throw .payload(error.description)
        }
        guard root.name == "ClientRegistrationRequest" else {
            throw .payload("root is <\(root.name)>, expected <ClientRegistrationRequest>")
        }
        guard let data = root.child("Data") else { throw .payload("no <Data> element") }
        hashAlgorithm = data.attribute("HashAlgorithm") ?? ""
        smsID = data.attribute("SMSID") ?? ""
        requestType = data.attribute("RequestType") ?? ""
        timeStamp = data.attribute("TimeStamp") ?? ""
        let agent = data.child("AgentInformation")
        agentIdentity = agent?.attribute("AgentIdentity") ?? ""
        agentVersion = agent?.attribute("AgentVersion") ?? ""
        agentType = agent?.attribute("AgentType") ?? ""
        let certificates = data.child("Certificates")
        guard let signing = certificates?.child("Signing") else {
            throw .payload("no <Certificates><Signing> element")
        }
        do {
            signingCertificate = try ReversedSignature.bytes(fromHex: signing.text.trimmingWhitespace())
            encryptionCertificate = try certificates?.child("Encryption").map {
                try ReversedSignature.bytes(fromHex: $0.text.trimmingWhitespace())
            } ?? signingCertificate
        } catch {
            throw .payload("certificate: \(error)")
        }
        keyType = signing.attribute("KeyType") ?? ""
        func property(_ name: String) -> String {
            data.child("DiscoveryProperties")?.children.first { $0.attribute("Name") == name }?.attribute("Value")
                ?? ""
        }
        netbiosName = property("Netbios Name")
        fqName = property("FQ Name")
        localeID = property("Locale ID")
        internetFlag = property("InternetFlag")
        signatureValue = root.child("Signature")?.child("SignatureValue")?.text.trimmingWhitespace() ?? ""
        signedDataText = Self.exactDataText(in: xml)
    }

    /// The `<Data …>…</Data>` text exactly as received (nil for requests built in code).
    public private(set) var signedDataText: String?

    /// Finds `<Data ` … `</Data>` inclusive in a document.
    static func exactDataText(in xml: String) -> String? {
        guard let start = xml.range(of: "<Data "), let end = xml.range(of: "</Data>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.lowerBound..<end.upperBound])
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }

    /// `range(of:)` without Foundation.
    func range(of needle: String, range: Range<String.Index>? = nil) -> Range<String.Index>? {
        let haystack = range.map { self[$0] } ?? self[...]
        guard !needle.isEmpty else { return nil }
        var index = haystack.startIndex
        while index < haystack.endIndex {
            if haystack[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = haystack.index(after: index)
        }
        return nil
    }
}
