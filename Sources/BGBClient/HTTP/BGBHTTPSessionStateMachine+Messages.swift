import BGBProtocol
import NIOCore

extension BGBHTTPSessionStateMachine.Request {
    /// The request as it goes on the wire. A Continue carries the `<Message>` header with the
    /// PayloadSignature, then the frame (spec §4.4, §4.5); signing can fail.
    ///
    /// - Parameters:
    ///   - host: the `Host` header value.
    ///   - keepAliveSeconds: the Continue header's keep-alive interval.
    ///   - smsID: the `<Message>` header's SourceID.
    ///   - signer: the identity's key.
    public func httpMessage(host: String, keepAliveSeconds: UInt32, smsID: SMSID, signer: BGBPayloadSigner) throws -> HTTPMessage {
        switch kind {
        case .logIn:
            return BGBHTTPMessages.logIn(host: host)
        case .continue(let message, let sessionID, _):
            let payload = message.payload()
            let header = BGBMessageHeader(sourceID: smsID, payloadSignature: try signer.signature(for: payload))
            let frame = BGBFrame(channel: message.channel, xmlHeader: header.buffer, payload: payload)
            return BGBHTTPMessages.continue(
                BGBContinueRequest(keepAliveInterval: keepAliveSeconds, sessionID: sessionID, frame: frame),
                host: host
            )
        case .logOut(let sessionID):
            return BGBHTTPMessages.logOut(BGBLogOutRequest(sessionID: sessionID), host: host)
        }
    }

    /// The answer's deadline for this kind of request.
    public func timeout(_ configuration: BGBHTTPSessionConfiguration) -> TimeAmount {
        switch kind {
        case .logIn: configuration.logInTimeout
        case .continue: configuration.continueTimeout
        case .logOut: configuration.logOutTimeout
        }
    }
}
