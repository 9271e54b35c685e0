import BGBProtocol
import CCMMessaging
import Crypto
import NIOCore
import X509
import _CryptoExtras

/// Decodes captured bytes of every kind the protocol defines and writes them into a report.
enum WireInspector {
    static func inspect(_ bytes: [UInt8], into report: inout InspectReport) throws {
        if bytes.starts(with: Array("CCM_POST ".utf8)) || bytes.starts(with: Array("HTTP/".utf8))
            || bytes.starts(with: Array("POST ".utf8))
        {
            try inspectHTTP(bytes, into: &report)
        } else {
            try inspectTCP(ByteBuffer(bytes: bytes), into: &report)
        }
    }

    // MARK: TCP

    static func inspectTCP(_ input: ByteBuffer, into report: inout InspectReport) throws {
        var buffer = input
        let parser = BGBFrameParser(configuration: .tolerant)
        var index = 1
        while buffer.readableBytes > 0 {
            let offset = buffer.readerIndex
            let frame: BGBFrame?
            do {
                frame = try parser.nextFrame(from: &buffer)
            } catch {
                throw InspectError(location: "TCP frame \(index) at byte \(offset)", reason: "\(error)")
            }
            guard let frame else {
                let expected = buffer.getBGBFrameHeader(at: buffer.readerIndex).map {
                    BGBFrameHeader.size + Int($0.payloadSize)
                } ?? BGBFrameHeader.size
                throw InspectError(
                    location: "TCP frame \(index) at byte \(offset)",
                    reason: "truncated: \(expected) bytes expected, \(buffer.readableBytes) present"
                )
            }
            try report.section("TCP frame \(index) at byte \(offset) (\(frame.encodedSize) bytes)") { report in
                try describe(frame, into: &report, location: "TCP frame \(index)")
            }
            index += 1
        }
    }

    static func describe(_ frame: BGBFrame, into report: inout InspectReport, location: String) throws {
        let header = frame.header
        report.field("PayloadSize", String(header.payloadSize))
        report.field(
            "Version",
            "\(header.majorVersion).\(header.minorVersion)" + (header.hasKnownVersion ? "" : " (unknown version)")
        )
        report.field("HeaderSize", String(header.headerSize))
        report.field("Channel", header.channel.description)
        if header.payloadSize == 0 {
            report.line("note: PayloadSize 0 (the HTTP idle answer; fatal to SDK sessions on TCP)")
        }
        if frame.xmlHeader.readableBytes > 0 {
            try report.section("XML message header (\(frame.xmlHeader.readableBytes) bytes)") { report in
                report.line(String(buffer: frame.xmlHeader))
                do {
                    let messageHeader = try BGBMessageHeader(bytes: frame.xmlHeader)
                    report.field("SourceType", messageHeader.sourceType)
                    report.field("SourceID", messageHeader.sourceID.rawValue)
                    report.field("PayloadSignature", messageHeader.payloadSignature)
                } catch {
                    throw InspectError(location: "\(location) XML header", reason: "\(error)")
                }
            }
        }
        guard frame.payload.readableBytes > 0 || frame.channel == .none else { return }
        let message: BGBMessage
        do {
            message = try BGBMessage(frame: frame)
        } catch {
            if frame.payload.readableBytes > 0 { report.field("Payload", String(buffer: frame.payload)) }
            throw InspectError(location: "\(location) payload", reason: "\(error)")
        }
        try report.section("Message") { report in
            try describe(message, into: &report)
        }
        if frame.payload.readableBytes > 0 {
            report.section("XML (\(frame.payload.readableBytes) bytes)") { report in
                report.line(String(buffer: frame.payload))
            }
        }
    }

    static func describe(_ message: BGBMessage, into report: inout InspectReport) throws {
        switch message {
        case .signIn(let signIn):
            report.field("Type", "SignIn")
            report.field("TimeStamp", signIn.timeStamp.description)
            report.field("ClientID", signIn.clientID.rawValue)
            report.field("ClientType", signIn.clientType)
            report.field("ClientVersion", signIn.clientVersion.description)
        case .signInConfirm(let confirm):
            report.field("Type", "SignInConfirm")
            report.field("TimeStamp", confirm.timeStamp.description)
            report.field("MessageVersion", confirm.messageVersion)
        case .keepAlive(let keepAlive):
            report.field("Type", "KeepAlive")
            report.field("TimeStamp", keepAlive.timeStamp.description)
            report.field("ClientID", keepAlive.clientID.rawValue)
            report.field("ClientType", keepAlive.clientType)
        case .request(let request):
            report.field("Type", "Request (push)")
            report.field("TimeStamp", request.timeStamp.description)
            report.field("PushID", String(request.pushID))
            report.field("TaskID", String(request.taskID))
            report.field("TaskGuid", request.taskGuid)
            report.field(
                "TaskType",
                request.taskType.description + (request.taskType.isAcceptedBySDK ? "" : " (SDK clients reject it)")
            )
            report.field("TaskParam", request.taskParam.map { $0.isEmpty ? "(empty)" : $0 } ?? "(absent)")
        case .response(let response):
            report.field("Type", "Response")
            report.field("TimeStamp", response.timeStamp.description)
            report.field("PushID", String(response.pushID))
            report.field("TaskID", String(response.taskID))
            report.field("ReturnCode", response.returnCode.description + (response.returnCode.isSuccess ? " (success)" : ""))
        case .disconnect(let timeStamp):
            report.field("Type", "Disconnect")
            report.field("TimeStamp", timeStamp?.description ?? "(empty payload)")
        case .negotiationNeeded(let payload):
            report.field("Type", "NegotiationNeeded")
            report.field("Payload", String(buffer: payload))
        case .none:
            report.field("Type", "None (idle answer)")
        }
    }

    // MARK: HTTP

    static func inspectHTTP(_ bytes: [UInt8], into report: inout InspectReport) throws {
        let message: HTTPMessage
        do {
            message = try HTTPMessage(parsing: ByteBuffer(bytes: bytes))
        } catch {
            throw InspectError(location: "HTTP message", reason: "\(error)")
        }
        report.section("HTTP \(message.isResponse ? "response" : "request")") { report in
            report.line(message.startLine)
            for header in message.headers { report.line("\(header.name): \(header.value)") }
            report.field("Body", "\(message.body.readableBytes) bytes")
        }
        let body = message.body
        if let target = message.target {
            if target.lowercased().hasPrefix("/bgb/") {
                guard let type = BGBHTTPRequestType(target: target) else {
                    throw InspectError(location: "request target", reason: "no RequestType=LogIn|Continue|LogOut in \(target)")
                }
                try inspectBGBRequest(type, body: body, into: &report)
            } else if CCMRegistrationHTTP.paths.contains(where: { target.lowercased().hasPrefix($0) }) {
                try inspectRegistration(body: body, contentType: message.header("Content-Type") ?? "", request: true, into: &report)
            } else {
                throw InspectError(location: "request target", reason: "\(target) is neither a BGB nor a registration endpoint")
            }
            return
        }
        let status = message.status ?? 0
        let contentType = message.header("Content-Type") ?? ""
        switch status {
        case BGBHTTPStatus.continue:
            let answer: BGBContinueAnswer
            do {
                answer = try BGBContinueAnswer(body: body)
            } catch {
                throw InspectError(location: "280 answer body", reason: "\(error)")
            }
            try report.section("BGB Continue answer (280)") { report in
                report.field("Session id", "\(answer.sessionID) (\(answer.sessionID.bytes.count) bytes)")
                if let frame = answer.frame {
                    try report.section("Frame") { report in
                        try describe(frame, into: &report, location: "280 answer frame")
                    }
                } else {
                    report.line("note: no whole frame after the session id (\(answer.trailing.readableBytes) bytes)")
                }
            }
        case BGBHTTPStatus.sessionEnded:
            report.line("BGB session ended (990): the client must log in again")
        case 200 where contentType.lowercased().hasPrefix("multipart/"):
            try inspectRegistration(body: body, contentType: contentType, request: false, into: &report)
        case 200 where body.readableBytes > 0:
            do {
                let answer = try BGBLogInAnswer(body: body)
                report.section("BGB LogIn answer") { report in
                    report.field("Session id", "\(answer.sessionID) (\(answer.sessionID.bytes.count) bytes)")
                }
            } catch {
                throw InspectError(location: "LogIn answer body", reason: "\(error)")
            }
        case 200:
            report.line("empty 200 answer (LogOut answer)")
        default:
            report.line("status \(status): not a BGB or registration answer")
        }
    }

    static func inspectBGBRequest(_ type: BGBHTTPRequestType, body: ByteBuffer, into report: inout InspectReport) throws {
        switch type {
        case .logIn:
            report.line("BGB LogIn (the SMSID arrives with the SignIn in the first Continue)")
        case .logOut:
            do {
                let logOut = try BGBLogOutRequest(body: body)
                report.section("BGB LogOut") { report in
                    report.field("Session id", "\(logOut.sessionID) (\(logOut.sessionID.bytes.count) bytes)")
                }
            } catch {
                throw InspectError(location: "LogOut body", reason: "\(error)")
            }
        case .continue:
            let request: BGBContinueRequest
            do {
                request = try BGBContinueRequest(body: body)
            } catch {
                throw InspectError(location: "Continue body", reason: "\(error)")
            }
            try report.section("BGB Continue") { report in
                report.field("KeepAliveInterval", "\(request.keepAliveInterval) s")
                report.field("Session id", "\(request.sessionID) (\(request.sessionID.bytes.count) bytes)")
                try report.section("Frame") { report in
                    try describe(request.frame, into: &report, location: "Continue frame")
                }
            }
        }
    }

    static func inspectRegistration(
        body: ByteBuffer,
        contentType: String,
        request: Bool,
        into report: inout InspectReport
    ) throws {
        let decoded: CCMMessageBody
        do {
            decoded = try CCMMessageBody(decoding: Array(body.readableBytesView), contentType: contentType)
        } catch {
            throw InspectError(location: "registration body", reason: "\(error)")
        }
        report.section("<Msg> envelope (UTF-16LE)") { report in
            report.line(decoded.envelopeXML)
            report.field("Body Length", String(decoded.envelope.bodyLength))
            report.field("TargetEndpoint", decoded.envelope.targetEndpoint)
        }
        report.section("Payload (zlib, \(decoded.compressedPayload.count) → \(decoded.uncompressedLength) bytes)") {
            report in
            report.field("zlib header", decoded.compressedPayload.prefix(2).map { hex($0) }.joined(separator: " "))
            report.field("Trailer", decoded.trailer.map { hex($0) }.joined(separator: " "))
            report.line(decoded.payloadXML)
        }
        if request {
            let registration: ClientRegistrationRequest
            do {
                registration = try ClientRegistrationRequest(xml: decoded.payloadXML)
            } catch {
                throw InspectError(location: "ClientRegistrationRequest", reason: "\(error)")
            }
            report.section("ClientRegistrationRequest") { report in
                report.field("HashAlgorithm", registration.hashAlgorithm)
                report.field("SMSID", registration.smsID.isEmpty ? "(none proposed)" : registration.smsID)
                report.field("RequestType", registration.requestType)
                report.field("TimeStamp", registration.timeStamp)
                report.field("Agent", "\(registration.agentIdentity) \(registration.agentVersion) type \(registration.agentType)")
                report.field("Netbios Name", registration.netbiosName)
                report.field("FQ Name", registration.fqName)
                report.field("Certificate", "\(registration.signingCertificate.count) bytes DER, KeyType \(registration.keyType)")
                report.field("Thumbprint", ReversedSignature.hex(Array(Insecure.SHA1.hash(data: registration.signingCertificate))))
                let lengthRule = decoded.uncompressedLength - 2 == decoded.envelope.bodyLength
                report.field("Body Length rule", lengthRule ? "ok (uncompressed size − 2)" : "MISMATCH")
                report.field("Signature", signatureCheck(registration))
            }
        } else {
            do {
                let reply = try ClientRegistrationResponse(xml: decoded.payloadXML)
                report.section("ClientRegistrationResponse") { report in
                    report.field("SMSID", reply.smsID?.rawValue ?? "(none)")
                    report.field("Status", "\(reply.status.rawValue) (\(reply.status.name))")
                    report.field("ApprovalStatus", "\(reply.approvalStatus.rawValue) (\(reply.approvalStatus.name))")
                    report.field("TimeStamp", reply.timeStamp)
                }
            } catch {
                throw InspectError(location: "ClientRegistrationResponse", reason: "\(error)")
            }
        }
    }

    static func signatureCheck(_ registration: ClientRegistrationRequest) -> String {
        let publicKey: _RSA.Signing.PublicKey
        do {
            let certificate = try Certificate(derEncoded: registration.signingCertificate)
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                return "not checked: the certificate's key is not RSA"
            }
            publicKey = key
        } catch {
            return "not checked: certificate does not parse (\(error))"
        }
        switch registration.verifySignature(publicKey: publicKey) {
        case .valid(let digest): return "valid (\(digest.rawValue.uppercased()), reversed byte order)"
        case .invalid: return "INVALID"
        case .unsupportedHashAlgorithm(let oid): return "not checked: unknown HashAlgorithm \(oid)"
        case .malformed(let reason): return "malformed: \(reason)"
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
