import BGBProtocol
import NIOCore
import Testing

@testable import MPSimulator

/// Every transition of ``TCPSessionStateMachine`` (`awaiting-signin → online → closed`, spec §1.4),
/// driven directly with decoded messages: no sockets, no TLS, no simulator.
@Suite("TCP session state machine")
struct TCPSessionStateMachineTests {
    typealias Machine = TCPSessionStateMachine

    static let client = try! SMSID(guid: "11111111-2222-3333-4444-555555555555")
    static let other = try! SMSID(guid: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE")
    static let stamp = BGBTimeStamp(epochNanoseconds: 1_700_000_000_000_000_000, style: .utcWholeSeconds)

    static func signIn(_ smsID: SMSID = client) -> BGBMessage {
        .signIn(BGBSignIn(timeStamp: stamp, clientID: smsID))
    }

    static func keepAlive(_ smsID: SMSID = client) -> BGBMessage {
        .keepAlive(BGBKeepAlive(timeStamp: stamp, clientID: smsID))
    }

    static let response = BGBResponse(timeStamp: stamp, pushID: 7, taskID: 3, returnCode: .success)
    static let request = BGBRequest(
        timeStamp: stamp, pushID: 7, taskID: 3, taskGuid: "8EF4D77F-E1CF-4EE9-8E86-CD4B1E2E8D21", taskType: .requestPolicy
    )

    /// The messages only the MP sends (channels 1, 3, 6, 7).
    static let mpOnly: [BGBMessage] = [
        .signInConfirm(BGBSignInConfirm(timeStamp: stamp)),
        .request(request),
        .negotiationNeeded(payload: ByteBuffer(bytes: [1, 2, 3])),
        .none,
    ]

    /// Every message a first frame may wrongly be.
    static let notSignIn: [BGBMessage] = [keepAlive(), .response(response), .disconnect(timeStamp: stamp)] + mpOnly

    /// One message of every kind.
    static let everyMessage: [BGBMessage] = [signIn()] + notSignIn

    /// A machine signed in as ``client``.
    static func online() -> Machine {
        var machine = Machine()
        _ = machine.received(channel: .signIn, message: .success(signIn()))
        machine.signedIn(client)
        return machine
    }

    /// The close an action asks for, without its detail text.
    static func close(_ action: Machine.Action) -> (CloseReason, ProtocolErrorReason?)? {
        if case .close(let reason, let protocolError, _) = action { return (reason, protocolError) }
        return nil
    }

    /// The reason an action ignores a frame for, without its detail text.
    static func ignored(_ action: Machine.Action) -> ProtocolErrorReason? {
        if case .ignore(let reason, _) = action { return reason }
        return nil
    }

    // MARK: awaiting-signin

    @Test("a new session awaits its SignIn and is not online")
    func initialState() {
        let machine = Machine()
        #expect(machine.state == .awaitingSignIn)
        #expect(machine.smsID == nil)
        #expect(!machine.isOnline)
    }

    @Test("awaiting-signin: SignIn asks for the identity check and stays awaiting until it passes")
    func signInAsksForCheck() {
        var machine = Machine()
        let action = machine.received(channel: .signIn, message: .success(Self.signIn()))
        #expect(action == .signIn(BGBSignIn(timeStamp: Self.stamp, clientID: Self.client)))
        #expect(machine.state == .awaitingSignIn)
        #expect(!machine.isOnline)
    }

    @Test("awaiting-signin → online: the identity check passed")
    func signedInGoesOnline() {
        var machine = Machine()
        _ = machine.received(channel: .signIn, message: .success(Self.signIn()))
        machine.signedIn(Self.client)
        #expect(machine.state == .online(Self.client))
        #expect(machine.smsID == Self.client)
        #expect(machine.isOnline)
    }

    @Test("awaiting-signin → closed: the identity check failed (the handler closes)")
    func rejectedSignInCloses() {
        var machine = Machine()
        _ = machine.received(channel: .signIn, message: .success(Self.signIn()))
        machine.close()
        #expect(machine.state == .closed)
        #expect(!machine.isOnline)
    }

    @Test("awaiting-signin → closed: a first frame that is another message is a protocol error", arguments: notSignIn)
    func firstFrameNotSignIn(message: BGBMessage) throws {
        var machine = Machine()
        let action = machine.received(channel: message.channel, message: .success(message))
        let (reason, protocolError) = try #require(Self.close(action))
        #expect(reason == .protocolError)
        #expect(protocolError == .firstFrameNotSignIn)
        #expect(machine.state == .closed)
    }

    @Test("awaiting-signin → closed: an undecodable SignIn is malformed")
    func malformedSignIn() throws {
        var machine = Machine()
        let action = machine.received(channel: .signIn, message: .failure(.missingTimeStamp(in: "BgbSignInMessage")))
        let (reason, protocolError) = try #require(Self.close(action))
        #expect(reason == .protocolError)
        #expect(protocolError == .malformedMessage)
        #expect(machine.state == .closed)
    }

    @Test(
        "awaiting-signin → closed: an undecodable first frame on another channel is not a SignIn",
        arguments: [BGBChannel.keepAlive, .response, BGBChannel(rawValue: 42)]
    )
    func undecodableFirstFrame(channel: BGBChannel) throws {
        var machine = Machine()
        let action = machine.received(channel: channel, message: .failure(.unknownChannel(channel)))
        let (reason, protocolError) = try #require(Self.close(action))
        #expect(reason == .protocolError)
        #expect(protocolError == .firstFrameNotSignIn)
        #expect(machine.state == .closed)
    }

    // MARK: online

    @Test("online: a KeepAlive from the signed-in client is passed on")
    func keepAlive() {
        var machine = Self.online()
        #expect(machine.received(channel: .keepAlive, message: .success(Self.keepAlive())) == .keepAlive(Self.client))
        #expect(machine.state == .online(Self.client))
    }

    @Test("online: a KeepAlive naming another client is counted and ignored; the session stays")
    func keepAliveMismatch() {
        var machine = Self.online()
        let action = machine.received(channel: .keepAlive, message: .success(Self.keepAlive(Self.other)))
        #expect(Self.ignored(action) == .clientIDMismatch)
        #expect(machine.state == .online(Self.client))
    }

    @Test("online: a Response is passed on with the session's SMSID")
    func response() {
        var machine = Self.online()
        let action = machine.received(channel: .response, message: .success(.response(Self.response)))
        #expect(action == .response(Self.client, Self.response))
        #expect(machine.state == .online(Self.client))
    }

    @Test("online: the same client's SignIn again is confirmed again")
    func signInAgain() {
        var machine = Self.online()
        #expect(machine.received(channel: .signIn, message: .success(Self.signIn())) == .confirmAgain)
        #expect(machine.state == .online(Self.client))
    }

    @Test("online → closed: a SignIn naming another client is a protocol error")
    func signInMismatch() throws {
        var machine = Self.online()
        let action = machine.received(channel: .signIn, message: .success(Self.signIn(Self.other)))
        let (reason, protocolError) = try #require(Self.close(action))
        #expect(reason == .protocolError)
        #expect(protocolError == .clientIDMismatch)
        #expect(machine.state == .closed)
        #expect(machine.smsID == nil)
    }

    @Test("online → closed: Disconnect closes without a protocol error")
    func disconnect() {
        var machine = Self.online()
        let action = machine.received(channel: .disconnect, message: .success(.disconnect(timeStamp: Self.stamp)))
        #expect(action == .close(.clientDisconnect, nil, detail: "client sent Disconnect"))
        #expect(machine.state == .closed)
    }

    @Test("online → closed: a message only the MP sends is an unexpected channel", arguments: mpOnly)
    func mpOnlyMessage(message: BGBMessage) throws {
        var machine = Self.online()
        let action = machine.received(channel: message.channel, message: .success(message))
        let (reason, protocolError) = try #require(Self.close(action))
        #expect(reason == .protocolError)
        #expect(protocolError == .unexpectedChannel)
        #expect(machine.state == .closed)
    }

    @Test("online: a frame on an unknown channel is counted and ignored (spec §3.1.2)")
    func unknownChannel() {
        var machine = Self.online()
        let channel = BGBChannel(rawValue: 42)
        let action = machine.received(channel: channel, message: .failure(.unknownChannel(channel)))
        #expect(Self.ignored(action) == .unknownChannel)
        #expect(machine.state == .online(Self.client))
    }

    @Test(
        "online: a malformed payload is counted and ignored (spec §3.1.2)",
        arguments: [
            BGBMessageError.missingTimeStamp(in: "BgbKeepAliveMessage"),
            .missingElement("ClientID", in: "BgbKeepAliveMessage"),
            .invalidValue(element: "PushID", value: "x", reason: "not a number"),
        ]
    )
    func malformedPayload(error: BGBMessageError) {
        var machine = Self.online()
        let action = machine.received(channel: .keepAlive, message: .failure(error))
        #expect(Self.ignored(action) == .malformedMessage)
        #expect(machine.state == .online(Self.client))
    }

    @Test("online → closed: the connection goes away")
    func closeWhileOnline() {
        var machine = Self.online()
        machine.close()
        #expect(machine.state == .closed)
        #expect(machine.smsID == nil)
        #expect(!machine.isOnline)
    }

    // MARK: closed

    @Test(
        "closed: any later frame is ignored as a frame after close",
        arguments: everyMessage
    )
    func frameAfterClose(message: BGBMessage) {
        var machine = Self.online()
        machine.close()
        let action = machine.received(channel: message.channel, message: .success(message))
        #expect(action == .ignore(.unexpectedChannel, detail: "frame after close"))
        #expect(machine.state == .closed)
    }

    @Test("closed: an undecodable frame after close is ignored too, and close() again stays closed")
    func undecodableAfterClose() {
        var machine = Machine()
        machine.close()
        let action = machine.received(channel: .keepAlive, message: .failure(.missingTimeStamp(in: "BgbKeepAliveMessage")))
        #expect(action == .ignore(.unexpectedChannel, detail: "frame after close"))
        machine.close()
        #expect(machine.state == .closed)
    }
}
