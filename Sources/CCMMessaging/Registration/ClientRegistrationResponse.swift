import BGBProtocol

/// The MP's answer to a registration (spec §5.6):
/// `<ClientRegistrationResponse ResponseType="Registration" SMSID="GUID:…" Status="0" ApprovalStatus="1" TimeStamp="…"/>`
public struct ClientRegistrationResponse: Hashable, Sendable {
    /// `Status` (numbers on the wire; names accepted when decoding).
    public enum Status: Int, Hashable, Sendable, CaseIterable {
        case registered = 0
        case pending = 1
        case reset = 2
        case error = 3
        case certificateReset = 4

        public var name: String {
            switch self {
            case .registered: "Registered"
            case .pending: "Pending"
            case .reset: "Reset"
            case .error: "Error"
            case .certificateReset: "CertificateReset"
            }
        }

        init?(text: String) {
            if let number = Int(text), let status = Status(rawValue: number) {
                self = status
            } else if let status = Status.allCases.first(where: { $0.name.lowercased() == text.lowercased() }) {
                self = status
            } else {
                return nil
            }
        }
    }

    /// `ApprovalStatus`.
    public enum ApprovalStatus: Int, Hashable, Sendable, CaseIterable, Codable {
        case unknown = -1
        case pending = 0
        case approved = 1
        case notApplicable = 2

        public var name: String {
            switch self {
            case .unknown: "Unknown"
            case .pending: "Pending"
            case .approved: "Approved"
            case .notApplicable: "NotApplicable"
            }
        }

        init?(text: String) {
            if let number = Int(text), let status = ApprovalStatus(rawValue: number) {
                self = status
            } else if let status = ApprovalStatus.allCases.first(where: { $0.name.lowercased() == text.lowercased() }) {
                self = status
            } else {
                return nil
            }
        }
    }

    public var responseType: String
    /// The assigned SMSID; nil when the reply carries none (an error reply).
    public var smsID: SMSID?
    public var status: Status
    public var approvalStatus: ApprovalStatus
    public var timeStamp: String

    public init(
        responseType: String = "Registration",
        smsID: SMSID?,
        status: Status,
        approvalStatus: ApprovalStatus,
        timeStamp: String
    ) {
        self.responseType = responseType
        self.smsID = smsID
        self.status = status
        self.approvalStatus = approvalStatus
        self.timeStamp = timeStamp
    }

    /// The test server's exact form (no space before `/>`).
    public var xml: String {
        "<ClientRegistrationResponse ResponseType=\"\(XMLEscaping.escape(responseType, inAttribute: true))\""
            + " SMSID=\"\(smsID?.rawValue ?? "")\" Status=\"\(status.rawValue)\""
            + " ApprovalStatus=\"\(approvalStatus.rawValue)\" TimeStamp=\"\(XMLEscaping.escape(timeStamp, inAttribute: true))\"/>"
    }

    public init(xml: String) throws(CCMMessagingError) {
        let root: XMLElement
        do {
            root = try XMLReader(
                limits: .init(maximumDepth: 3, maximumTextLength: 16_384, maximumElements: 64, allowsNonASCII: true)
            ).parse(xml)
        } catch {
            throw .payload(error.description)
        }
        guard root.name == "ClientRegistrationResponse" else {
            throw .payload("root is <\(root.name)>, expected <ClientRegistrationResponse>")
        }
        responseType = root.attribute("ResponseType") ?? ""
        guard let statusText = root.attribute("Status"), let status = Status(text: statusText) else {
            throw .payload("Status \"\(root.attribute("Status") ?? "")\" is not a registration status")
        }
        self.status = status
        let approvalText = root.attribute("ApprovalStatus") ?? "-1"
        guard let approval = ApprovalStatus(text: approvalText) else {
            throw .payload("ApprovalStatus \"\(approvalText)\" is not an approval status")
        }
        approvalStatus = approval
        timeStamp = root.attribute("TimeStamp") ?? ""
        let smsIDText = root.attribute("SMSID") ?? ""
        if smsIDText.isEmpty {
            smsID = nil
        } else {
            do {
                smsID = try SMSID(smsIDText)
            } catch {
                throw .payload(error.description)
            }
        }
    }
}
