import BGBProtocol
import NIOCore

/// One client-notification session over the HTTP(S) long-poll fallback (spec §4): the NIO shell
/// around ``BGBHTTPSessionStateMachine``, reporting through the same ``BGBSessionDelegate`` as the
/// TCP transport so that its owner treats both alike. The shell owns the connections and timers
/// and performs the machine's actions; every rule (LogIn, Continue, 280, 990, LogOut, polling,
/// which connection carries what) is the machine's.
///
/// `LogIn` → session id → `Continue[SignIn]` → 280 SignInConfirm → `Continue[KeepAlive]` (the poll,
/// held by the MP) → pushes arrive as 280 answers → `Continue[Response]`; the keep-alive timer
/// sends its own Continue; ``close()`` sends `LogOut`. At most
/// ``BGBHTTPSessionConfiguration/maximumConnections`` connections, one request each.
///
/// Loop-confined: create it, and call every method, on `eventLoop`.
public final class BGBHTTPSession: BGBSession {
    public typealias Phase = BGBHTTPSessionStateMachine.Phase

    public private(set) var machine: BGBHTTPSessionStateMachine
    public weak var delegate: BGBSessionDelegate?
    public let eventLoop: EventLoop

    private let signer: BGBPayloadSigner
    private let endpoint: BGBConnector.Endpoint
    private let tls: HTTPClientTLS?
    /// The `Host` header value.
    private let host: String
    private let keepAliveSeconds: UInt32
    private var connections: [BGBHTTPSessionStateMachine.ConnectionID: HTTPClientConnection] = [:]
    private var timers: [BGBHTTPSessionStateMachine.Timer: Scheduled<Void>] = [:]
    private var startPromise: EventLoopPromise<Void>?

    /// - Parameters:
    ///   - configuration: identity, keep-alive timing and timestamp style (shared with TCP).
    ///   - http: the transport's settings.
    ///   - signer: the identity's key, for every Continue's PayloadSignature.
    ///   - endpoint: the MP's HTTP(S) address; `hostname` goes into the `Host` header.
    ///   - tls: HTTPS with this context (client certificate) and options; nil for plain HTTP.
    public init(
        configuration: BGBSessionConfiguration,
        http: BGBHTTPSessionConfiguration = BGBHTTPSessionConfiguration(),
        signer: BGBPayloadSigner,
        endpoint: BGBConnector.Endpoint,
        tls: HTTPClientTLS? = nil,
        eventLoop: EventLoop,
        delegate: BGBSessionDelegate?
    ) {
        self.machine = BGBHTTPSessionStateMachine(configuration: configuration, http: http)
        self.signer = signer
        self.endpoint = endpoint
        self.tls = tls
        self.eventLoop = eventLoop
        self.delegate = delegate
        self.host = httpHostHeader(host: endpoint.hostname, port: endpoint.address.port ?? (tls == nil ? 80 : 443), tls: tls != nil)
        self.keepAliveSeconds = UInt32(clamping: max(1, configuration.keepAliveIntervalNanoseconds / 1_000_000_000))
    }

    public var phase: Phase { machine.phase }
    /// The BGB session of the current login.
    public var stateMachine: BGBSessionStateMachine { machine.session }
    /// 990 re-logins so far.
    public var reLogIns: Int { machine.reLogIns }
    public var configuration: BGBHTTPSessionConfiguration { machine.configuration }
    public var sessionConfiguration: BGBSessionConfiguration { machine.sessionConfiguration }
    /// The connections open or opening now (at most ``BGBHTTPSessionConfiguration/maximumConnections``).
    public var connectionCount: Int { machine.connectionCount }

    /// Opens the first connection and sends LogIn. The future fails with the connect error when
    /// the first connection cannot be opened (nothing is reported to the delegate then); once it
    /// succeeds, everything else — SignIn, pushes, the end — goes through the delegate.
    public func start() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: Void.self)
        startPromise = promise
        handle(machine.start(now: now))
        return promise.futureResult
    }

    // MARK: BGBSession

    public func respond(to request: BGBRequest, returnCode: ReturnCode) {
        eventLoop.preconditionInEventLoop()
        handle(machine.respond(to: request, returnCode: returnCode, now: now))
    }

    public func dropPush() {
        machine.dropPush()
    }

    /// Ends the session: LogOut (`Connection: close`) when logged in, then the connections close
    /// and the delegate hears ``BGBCloseReason/local``.
    public func close() {
        eventLoop.preconditionInEventLoop()
        handle(machine.close(now: now))
    }

    // MARK: Actions

    /// Performs an event's actions, then those of settling the machine (the decisions that follow
    /// the delegate's reactions: the next poll, a re-login, which connection carries what).
    private func handle(_ actions: BGBHTTPSessionStateMachine.Actions, connectError: Error? = nil) {
        perform(actions, connectError: connectError)
        perform(machine.settle(now: now))
    }

    private func perform(_ actions: BGBHTTPSessionStateMachine.Actions, connectError: Error? = nil) {
        for action in actions {
            switch action {
            case .openConnection(let id): openConnection(id)
            case .send(let request, let id): send(request, on: id)
            case .closeConnection(let id): connections[id]?.close()
            case .scheduleTimer(let timer, let at):
                timers[timer]?.cancel()
                timers[timer] = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(at)) {
                    self.timers[timer] = nil
                    self.handle(self.machine.timerFired(timer, now: self.now))
                }
            case .cancelTimer(let timer): timers.removeValue(forKey: timer)?.cancel()
            case .completeStart(let result):
                let promise = startPromise
                startPromise = nil
                switch result {
                case .connected: promise?.succeed(())
                case .connectFailed: promise?.fail(connectError ?? BGBHTTPSessionError.closedBeforeConnecting(.local))
                case .closedBeforeConnecting(let reason): promise?.fail(BGBHTTPSessionError.closedBeforeConnecting(reason))
                }
            case .signInSent(let at): delegate?.sessionDidSendSignIn(self, atNanoseconds: at)
            case .signedIn(let confirmed): delegate?.sessionDidSignIn(self, confirmed: confirmed, atNanoseconds: now.uptimeNanoseconds)
            case .deliverPush(let request): delegate?.session(self, didReceive: request, atNanoseconds: now.uptimeNanoseconds)
            case .keepAliveSent(let lateness): delegate?.session(self, didSendKeepAliveLate: lateness)
            case .anomaly(let anomaly): delegate?.session(self, didSurvive: anomaly)
            case .willLogInAgain(let count): (delegate as? BGBHTTPSessionObserver)?.sessionWillLogInAgain(self, count: count)
            case .closed(let reason):
                let delegate = self.delegate
                self.delegate = nil
                delegate?.session(self, didCloseWith: reason)
            }
        }
    }

    private func openConnection(_ id: BGBHTTPSessionStateMachine.ConnectionID) {
        HTTPClientConnection.connect(
            on: eventLoop,
            to: endpoint,
            tls: tls,
            maximumBodySize: configuration.maximumBodySize
        ).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection):
                self.connections[id] = connection
                connection.closeFuture.assumeIsolated().whenComplete { _ in
                    self.connections[id] = nil
                    self.handle(self.machine.connectionClosed(id, now: self.now))
                }
                self.handle(self.machine.connected(id, now: self.now))
            case .failure(let error):
                self.handle(self.machine.connectFailed(id, reason: .connect("\(error)")), connectError: error)
            }
        }
    }

    private func send(_ request: BGBHTTPSessionStateMachine.Request, on id: BGBHTTPSessionStateMachine.ConnectionID) {
        guard let connection = connections[id] else { preconditionFailure("send on \(id), which is not open") }
        let message: HTTPMessage
        do {
            message = try request.httpMessage(host: host, keepAliveSeconds: keepAliveSeconds, smsID: sessionConfiguration.smsID, signer: signer)
        } catch {
            handle(machine.payloadSigningFailed("\(error)"))
            return
        }
        var written: EventLoopPromise<Void>?
        if case .continue(_, _, let push?) = request.kind {
            written = eventLoop.makePromise(of: Void.self)
            written?.futureResult.assumeIsolated().whenSuccess {
                self.delegate?.session(self, didFlushResponseTo: push, atNanoseconds: self.now.uptimeNanoseconds)
            }
        }
        var buffer = connection.channel.allocator.buffer(capacity: 256 + message.body.readableBytes)
        message.write(into: &buffer)
        delegate?.session(self, didTransferBytesIn: 0, out: buffer.readableBytes)
        let closeAfter: Bool
        if case .logOut = request.kind { closeAfter = true } else { closeAfter = false }
        connection.send(buffer, closeAfter: closeAfter, timeout: request.timeout(configuration), written: written)
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let response):
                    self.delegate?.session(self, didTransferBytesIn: response.wireSize, out: 0)
                    self.handle(self.machine.answered(request, on: id, response: response, now: self.now))
                case .failure(let error):
                    self.handle(self.machine.failed(request, on: id, reason: Self.reason(for: error), now: self.now))
                }
            }
    }

    private var now: BGBHTTPSessionStateMachine.Instant {
        .init(uptimeNanoseconds: eventLoop.now.uptimeNanoseconds, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds())
    }
}
