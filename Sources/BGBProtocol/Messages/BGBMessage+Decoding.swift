import NIOCore

extension BGBMessage {
    /// Decodes a frame's payload as the message its channel defines (spec §3.1.2 leniency).
    ///
    /// - Parameters:
    ///   - channel: the frame's channel.
    ///   - payload: the payload bytes (without XML header part).
    ///   - limits: XML limits; the default allows text-only children and 1 MiB of text.
    public init(
        channel: BGBChannel,
        payload: ByteBuffer,
        limits: XMLReader.Limits = .bgbMessage
    ) throws(BGBMessageError) {
        switch channel {
        case .none:
            self = .none
            return
        case .negotiationNeeded:
            self = .negotiationNeeded(payload: payload)
            return
        case .disconnect where payload.readableBytes == 0:
            self = .disconnect(timeStamp: nil)
            return
        default:
            break
        }
        // The push, once per push on the generator: read without an XML tree when it is written
        // exactly as an MP writes it (within limits that cannot reject it), else read in general.
        if channel == .request, payload.readableBytes <= limits.maximumTextLength, limits.maximumElements >= 6,
            limits.maximumDepth >= 2,
            let request = payload.withUnsafeReadableBytes({ BGBRequest(canonical: $0) })
        {
            self = .request(request)
            return
        }
        try self.init(generalChannel: channel, payload: payload, limits: limits)
    }

    /// Decodes any payload through ``XMLReader`` (every message, every leniency of spec §3.1.2).
    init(generalChannel channel: BGBChannel, payload: ByteBuffer, limits: XMLReader.Limits) throws(BGBMessageError) {
        guard let expectedRoot = Self.rootName(for: channel) else { throw .unknownChannel(channel) }
        let root: XMLElement
        do {
            root = try payload.readableBytesView.withContiguousStorageIfAvailable { bytes in
                try XMLReader(limits: limits).parse(UnsafeBufferPointer(rebasing: bytes[...]))
            } ?? XMLReader(limits: limits).parse(Array(payload.readableBytesView))
        } catch let error as XMLError {
            throw .xml(error)
        } catch {
            preconditionFailure("XMLReader throws only XMLError")
        }
        guard root.name == expectedRoot else {
            throw .unexpectedRoot(channel: channel, expected: expectedRoot, found: root.name)
        }
        let decoder = BGBElementDecoder(root: root)
        switch channel {
        case .signIn:
            self = .signIn(
                BGBSignIn(
                    timeStamp: try decoder.timeStamp(),
                    clientID: try decoder.smsID("ClientID"),
                    clientType: try decoder.text("ClientType"),
                    clientVersion: try decoder.clientVersion("ClientVersion")
                )
            )
        case .signInConfirm:
            self = .signInConfirm(
                BGBSignInConfirm(
                    timeStamp: try decoder.timeStamp(),
                    messageVersion: decoder.optionalText("MessageVersion") ?? ""
                )
            )
        case .keepAlive:
            self = .keepAlive(
                BGBKeepAlive(
                    timeStamp: try decoder.timeStamp(),
                    clientID: try decoder.smsID("ClientID"),
                    clientType: try decoder.text("ClientType")
                )
            )
        case .request:
            self = .request(
                BGBRequest(
                    timeStamp: try decoder.timeStamp(),
                    pushID: try decoder.int32("PushID"),
                    taskID: try decoder.int32("TaskID"),
                    taskGuid: try decoder.text("TaskGuid"),
                    taskType: TaskType(rawValue: try decoder.int32("TaskType")),
                    taskParam: decoder.optionalText("TaskParam")
                )
            )
        case .response:
            self = .response(
                BGBResponse(
                    timeStamp: try decoder.timeStamp(),
                    pushID: try decoder.int32("PushID"),
                    taskID: try decoder.int32("TaskID"),
                    returnCode: ReturnCode(rawValue: try decoder.int32("ReturnCode"))
                )
            )
        case .disconnect:
            self = .disconnect(timeStamp: try? decoder.timeStamp())
        default:
            throw .unknownChannel(channel)
        }
    }

    /// Decodes a frame (its payload; the XML header part is not part of the message).
    public init(frame: BGBFrame, limits: XMLReader.Limits = .bgbMessage) throws(BGBMessageError) {
        try self.init(channel: frame.channel, payload: frame.payload, limits: limits)
    }
}

/// Typed access to a BGB message's children.
struct BGBElementDecoder {
    let root: XMLElement

    func timeStamp() throws(BGBMessageError) -> BGBTimeStamp {
        guard let text = root.attribute("TimeStamp") else { throw .missingTimeStamp(in: root.name) }
        do {
            return try BGBTimeStamp(parsing: text)
        } catch {
            throw .invalidValue(element: root.name + "/@TimeStamp", value: text, reason: error.description)
        }
    }

    func optionalText(_ name: String) -> String? {
        root.child(name)?.text
    }

    func text(_ name: String) throws(BGBMessageError) -> String {
        guard let text = optionalText(name) else { throw .missingElement(name, in: root.name) }
        return text
    }

    func int32(_ name: String) throws(BGBMessageError) -> Int32 {
        let text = try text(name)
        let trimmed = text.trimmingASCIIWhitespace()
        guard let value = Int32(trimmed) else {
            throw .invalidValue(element: name, value: text, reason: "not a 32-bit integer")
        }
        return value
    }

    func smsID(_ name: String) throws(BGBMessageError) -> SMSID {
        let text = try text(name)
        do {
            return try SMSID(text.trimmingASCIIWhitespace())
        } catch {
            throw .invalidValue(element: name, value: text, reason: error.description)
        }
    }

    func clientVersion(_ name: String) throws(BGBMessageError) -> ClientVersion {
        let text = try text(name)
        do {
            return try ClientVersion(text.trimmingASCIIWhitespace())
        } catch {
            throw .invalidValue(element: name, value: text, reason: error.description)
        }
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { !XMLCursor.isWhitespace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !XMLCursor.isWhitespace($0) })!
        return String(self[first...last])
    }
}
