import NIOCore

extension BGBMessage {
    /// Writes the message's ASCII XML payload exactly as the SDK does: no declaration, the root's only
    /// attribute `TimeStamp`, children in the fixed order, no whitespace.
    @discardableResult
    public func writePayload(into buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        switch self {
        case .signIn(let message):
            buffer.writeStaticString("<BgbSignInMessage TimeStamp=\"")
            buffer.writeBGBTimeStamp(message.timeStamp)
            buffer.writeStaticString("\"><ClientID>")
            buffer.writeString(message.clientID.rawValue)
            buffer.writeStaticString("</ClientID><ClientType>")
            buffer.writeXMLEscaped(message.clientType)
            buffer.writeStaticString("</ClientType><ClientVersion>")
            buffer.writeString(message.clientVersion.description)
            buffer.writeStaticString("</ClientVersion></BgbSignInMessage>")
        case .signInConfirm(let message):
            buffer.writeStaticString("<BgbSignInConfirmMessage TimeStamp=\"")
            buffer.writeBGBTimeStamp(message.timeStamp)
            buffer.writeStaticString("\"><MessageVersion>")
            buffer.writeXMLEscaped(message.messageVersion)
            buffer.writeStaticString("</MessageVersion></BgbSignInConfirmMessage>")
        case .keepAlive(let message):
            buffer.writeStaticString("<BgbKeepAliveMessage TimeStamp=\"")
            buffer.writeBGBTimeStamp(message.timeStamp)
            buffer.writeStaticString("\"><ClientID>")
            buffer.writeString(message.clientID.rawValue)
            buffer.writeStaticString("</ClientID><ClientType>")
            buffer.writeXMLEscaped(message.clientType)
            buffer.writeStaticString("</ClientType></BgbKeepAliveMessage>")
        case .request(let message):
            buffer.writeStaticString("<BgbRequestMessage TimeStamp=\"")
            buffer.writeBGBTimeStamp(message.timeStamp)
            buffer.writeStaticString("\"><PushID>")
            buffer.writeDecimal(message.pushID)
            buffer.writeStaticString("</PushID><TaskID>")
            buffer.writeDecimal(message.taskID)
            buffer.writeStaticString("</TaskID><TaskGuid>")
            buffer.writeXMLEscaped(message.taskGuid)
            buffer.writeStaticString("</TaskGuid><TaskType>")
            buffer.writeDecimal(message.taskType.rawValue)
            buffer.writeStaticString("</TaskType>")
            if let taskParam = message.taskParam {
                buffer.writeStaticString("<TaskParam>")
                buffer.writeXMLEscaped(taskParam)
                buffer.writeStaticString("</TaskParam>")
            }
            buffer.writeStaticString("</BgbRequestMessage>")
        case .response(let message):
            buffer.writeStaticString("<BgbResponseMessage TimeStamp=\"")
            buffer.writeBGBTimeStamp(message.timeStamp)
            buffer.writeStaticString("\"><PushID>")
            buffer.writeDecimal(message.pushID)
            buffer.writeStaticString("</PushID><TaskID>")
            buffer.writeDecimal(message.taskID)
            buffer.writeStaticString("</TaskID><ReturnCode>")
            buffer.writeDecimal(message.returnCode.rawValue)
            buffer.writeStaticString("</ReturnCode></BgbResponseMessage>")
        case .disconnect(let timeStamp):
            if let timeStamp {
                buffer.writeStaticString("<BgbDisconnectMessage TimeStamp=\"")
                buffer.writeBGBTimeStamp(timeStamp)
                buffer.writeStaticString("\"/>")
            }
        case .negotiationNeeded(let payload):
            buffer.writeImmutableBuffer(payload)
        case .none:
            break
        }
        return buffer.writerIndex - start
    }

    /// The payload as a new buffer.
    public func payload(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        writePayload(into: &buffer)
        return buffer
    }

    /// Writes a complete TCP frame (14-byte header with HeaderSize 0, then the payload) in one pass.
    @discardableResult
    public func writeTCPFrame(into buffer: inout ByteBuffer) -> Int {
        let headerIndex = buffer.writerIndex
        buffer.writeBGBFrameHeader(BGBFrameHeader(payloadSize: 0, channel: channel))
        let payloadSize = writePayload(into: &buffer)
        buffer.setInteger(UInt32(payloadSize), at: headerIndex, endianness: .little)
        return BGBFrameHeader.size + payloadSize
    }

    /// The message as a TCP frame value (HeaderSize 0).
    public func frame(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> BGBFrame {
        BGBFrame(channel: channel, payload: payload(allocator: allocator))
    }
}

extension ByteBuffer {
    /// Writes a signed integer in decimal ASCII.
    @inlinable
    @discardableResult
    public mutating func writeDecimal(_ value: Int32) -> Int {
        var written = 0
        var magnitude = UInt32(bitPattern: value)
        if value < 0 {
            written += writeInteger(UInt8(ascii: "-"))
            magnitude = UInt32(bitPattern: 0 &- value)
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        written += writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { pointer in
            var remaining = magnitude
            for index in stride(from: digits - 1, through: 0, by: -1) {
                pointer[index] = UInt8(0x30 + remaining % 10)
                remaining /= 10
            }
            return digits
        }
        return written
    }
}
