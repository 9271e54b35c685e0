import BGBProtocol

/// The server side of one TCP session (spec §1.4): `awaiting-signin → online → closed`.
///
/// Pure: it turns each decoded frame into an ``Action`` for the handler to carry out.
struct TCPSessionStateMachine {
    enum State: Equatable {
        case awaitingSignIn
        case online(SMSID)
        case closed
    }

    enum Action: Equatable {
        /// Check the identity and sign in (the handler calls ``signedIn(_:)`` once accepted).
        case signIn(BGBSignIn)
        /// The same client signed in again on this connection: confirm again.
        case confirmAgain
        case keepAlive(SMSID)
        case response(SMSID, BGBResponse)
        /// Count and carry on.
        case ignore(ProtocolErrorReason, detail: String)
        /// Close the connection for this reason.
        case close(CloseReason, ProtocolErrorReason?, detail: String)
    }

    private(set) var state: State = .awaitingSignIn

    var smsID: SMSID? {
        if case .online(let smsID) = state { return smsID }
        return nil
    }

    var isOnline: Bool { smsID != nil }

    /// A frame arrived; `message` is its decoded payload or why it does not decode.
    mutating func received(channel: BGBChannel, message: Result<BGBMessage, BGBMessageError>) -> Action {
        switch state {
        case .closed:
            return .ignore(.unexpectedChannel, detail: "frame after close")
        case .awaitingSignIn:
            switch message {
            case .success(.signIn(let signIn)):
                return .signIn(signIn)
            case .success(let other):
                state = .closed
                return .close(
                    .protocolError,
                    .firstFrameNotSignIn,
                    detail: "first frame is \(other.channel.name), expected SignIn"
                )
            case .failure(let error):
                state = .closed
                return .close(
                    .protocolError,
                    channel == .signIn ? .malformedMessage : .firstFrameNotSignIn,
                    detail: "first frame (channel \(channel)) is not a valid SignIn: \(error)"
                )
            }
        case .online(let smsID):
            switch message {
            case .failure(.unknownChannel):
                return .ignore(.unknownChannel, detail: "frame on unknown channel \(channel)")
            case .failure(let error):
                // Spec §3.1.2: count and ignore a malformed message, keep the session.
                return .ignore(.malformedMessage, detail: "\(channel.name) payload: \(error)")
            case .success(.signIn(let signIn)):
                if signIn.clientID == smsID { return .confirmAgain }
                state = .closed
                return .close(
                    .protocolError,
                    .clientIDMismatch,
                    detail: "second SignIn on the connection names \(signIn.clientID), signed in as \(smsID)"
                )
            case .success(.keepAlive(let keepAlive)):
                if keepAlive.clientID != smsID {
                    return .ignore(.clientIDMismatch, detail: "KeepAlive names \(keepAlive.clientID), signed in as \(smsID)")
                }
                return .keepAlive(smsID)
            case .success(.response(let response)):
                return .response(smsID, response)
            case .success(.disconnect):
                state = .closed
                return .close(.clientDisconnect, nil, detail: "client sent Disconnect")
            case .success(let other):
                state = .closed
                return .close(
                    .protocolError,
                    .unexpectedChannel,
                    detail: "client sent \(other.channel.name), a message only the MP sends"
                )
            }
        }
    }

    /// The identity check passed.
    mutating func signedIn(_ smsID: SMSID) {
        state = .online(smsID)
    }

    /// The connection is going away.
    mutating func close() {
        state = .closed
    }
}
