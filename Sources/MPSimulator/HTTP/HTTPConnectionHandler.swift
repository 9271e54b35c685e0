import BGBProtocol
import NIOCore

/// What to do with one HTTP request.
enum HTTPOutcome {
    case respond(HTTPMessage, push: PushTarget? = nil)
    /// Hold as a long poll of `sessionID` (answered later through ``HTTPPollResponder``).
    case hold(sessionID: BGBSessionID)
    /// Answer after a delay (the SignInConfirm delay fault).
    case deferred(HTTPMessage, delay: TimeAmount)
}

/// The answer to a held poll.
enum PollAnswer: Sendable {
    case idle
    case message(HTTPSessionTable.QueuedMessage)
    case sessionEnded
}

/// How the session table reaches the connection holding a poll, from any thread.
final class HTTPPollResponder: Sendable {
    let eventLoop: EventLoop
    private let handler: NIOLoopBound<HTTPConnectionHandler>

    init(handler: HTTPConnectionHandler, eventLoop: EventLoop) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
    }

    func answer(token: UInt64, _ answer: PollAnswer) {
        eventLoop.execute { [handler] in
            handler.value.completeHeld(token: token, answer: answer)
        }
    }
}

/// One HTTP(S) connection of the BGB fallback and registration endpoint: HTTP/1.1 keep-alive,
/// requests answered in order, `100 Continue` as soon as a head asks for it.
///
/// While a request is outstanding (a held poll, a delayed answer), later requests wait in a small
/// bounded backlog; a new request on a connection whose poll is held releases that poll with the
/// idle answer first (newest poll wins, spec §4.10).
final class HTTPConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestEvent
    typealias OutboundOut = ByteBuffer

    private enum Outstanding {
        case none
        case held(token: UInt64, sessionID: BGBSessionID)
        case deferred(token: UInt64)
    }

    static let backlogLimit = 16
    private static let continueBytes = ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")

    private let core: SimulatorCore
    private var context: ChannelHandlerContext?
    private var registry: LoopSessionRegistry?
    private var outstanding: Outstanding = .none
    private var backlog: [HTTPRequestEvent] = []
    private var nextToken: UInt64 = 0
    private var keepAlive = true
    private var closing = false
    private(set) var responder: HTTPPollResponder!

    init(core: SimulatorCore) {
        self.core = core
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        responder = HTTPPollResponder(handler: self, eventLoop: context.eventLoop)
        let registry = core.registry(for: context.eventLoop)
        registry.add(self)
        self.registry = registry
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    private func finish() {
        guard let registry else { return }
        self.registry = nil
        registry.remove(self)
        if case .held(let token, let sessionID) = outstanding {
            core.releaseHold(sessionID, token: token)
        }
        outstanding = .none
        backlog.removeAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let event = unwrapInboundIn(data)
        guard !closing else { return }
        switch outstanding {
        case .none:
            process(event, context: context)
        case .held(let token, let sessionID):
            guard enqueue(event) else { return }
            if core.releaseHold(sessionID, token: token) {
                completeHeld(token: token, answer: .idle)
            }
        case .deferred:
            _ = enqueue(event)
        }
    }

    private func enqueue(_ event: HTTPRequestEvent) -> Bool {
        guard backlog.count < Self.backlogLimit else {
            core.update { $0.count(.tooManyPipelinedRequests) }
            closeConnection()
            return false
        }
        backlog.append(event)
        return true
    }

    private func process(_ event: HTTPRequestEvent, context: ChannelHandlerContext) {
        switch event {
        case .continueExpected:
            context.writeAndFlush(wrapOutboundOut(Self.continueBytes), promise: nil)
        case .request(let request):
            keepAlive = request.keepAlive
            nextToken &+= 1
            let token = nextToken
            switch core.handleHTTP(request, responder: responder, token: token) {
            case .respond(let message, let push):
                respond(message, push: push)
            case .hold(let sessionID):
                outstanding = .held(token: token, sessionID: sessionID)
            case .deferred(let message, let delay):
                outstanding = .deferred(token: token)
                context.eventLoop.scheduleTask(in: delay) { [self] in
                    guard case .deferred(let current) = outstanding, current == token else { return }
                    respond(message, push: nil)
                }
            }
        }
    }

    /// Completes the held poll `token` (from ``HTTPPollResponder``, on this loop).
    func completeHeld(token: UInt64, answer: PollAnswer) {
        guard case .held(let current, let sessionID) = outstanding, current == token, context != nil, !closing else {
            // The connection moved on or closed: a message it was meant to carry is lost.
            if case .message(let message) = answer, let push = message.push {
                core.pushFailed(push, reason: "the poll's connection closed before the answer")
            }
            return
        }
        switch answer {
        case .idle:
            core.update { $0.httpIdleAnswers += 1 }
            respond(BGBHTTPMessages.continueAnswer(.idle(sessionID: sessionID)), push: nil)
        case .message(let message):
            respond(
                BGBHTTPMessages.continueAnswer(BGBContinueAnswer(sessionID: sessionID, frame: message.frame)),
                push: message.push
            )
        case .sessionEnded:
            core.update { $0.httpSessionEndedAnswers += 1 }
            respond(BGBHTTPMessages.sessionEnded(), push: nil)
        }
    }

    private func respond(_ message: HTTPMessage, push: PushTarget?) {
        guard let context else { return }
        outstanding = .none
        var buffer = context.channel.allocator.buffer(capacity: 256 + message.body.readableBytes)
        message.write(into: &buffer)
        if !keepAlive || message.header("Connection")?.lowercased() == "close" {
            closing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
                channel.close(promise: nil)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
        if let push { core.pushWritten(push) }
        drainBacklog(context: context)
    }

    private func drainBacklog(context: ChannelHandlerContext) {
        while !closing, case .none = outstanding, !backlog.isEmpty {
            process(backlog.removeFirst(), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !closing else { return }
        if let decoderError = error as? HTTPRequestDecoderError {
            core.update { $0.count(.malformedHTTP) }
            core.logger.notice("HTTP connection closed", metadata: [
                "reason": "malformed_http", "detail": "\(decoderError)",
                "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")",
            ])
            let status = decoderError.status
            keepAlive = false
            outstanding = .none
            backlog.removeAll()
            respond(
                HTTPMessage(
                    startLine: "HTTP/1.1 \(status.code) \(status.reason)",
                    headers: [("Content-Length", "0"), ("Connection", "close")]
                ),
                push: nil
            )
            return
        }
        core.logger.debug("HTTP connection error", metadata: ["detail": "\(error)"])
        closeConnection()
    }

    /// Closes the connection at once.
    func closeConnection() {
        guard let context, !closing else { return }
        closing = true
        context.close(promise: nil)
    }
}
