import BGBProtocol
import NIOCore
import NIOSSL
import NIOTLS

/// The thin NIO shell around ``BGBSessionStateMachine`` for the TCP + TLS transport.
///
/// Pipeline: `BGBLeanTLSHandler` (or `NIOSSLClientHandler`) `→ this`: it splits the TLS plaintext
/// into frames itself (``BGBFrameParser``; a `ByteToMessageHandler` in between would cost a
/// pipeline hop and a handler per session on every push). It sends SignIn when the TLS handshake
/// completes, keeps its keep-alive deadline in its loop's ``BGBKeepAliveTimers`` (one heap per
/// loop, also polled from every session's reads, so a burst of pushes does not hold keep-alives
/// back), hands pushes to its delegate and writes Responses. No task and no thread per session.
public final class BGBClientChannelHandler: ChannelInboundHandler, RemovableChannelHandler, BGBSession {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    public private(set) var stateMachine: BGBSessionStateMachine
    /// Receives the session's events. Held strongly (a weak reference costs a side-table load on
    /// every event of every push) until the channel goes inactive or the handler is removed, which
    /// breaks the cycle with a delegate that holds the handler.
    public var delegate: BGBSessionDelegate?
    private var context: ChannelHandlerContext?
    /// The loop's keep-alive timers (given, or this handler's own once added to a pipeline).
    private var keepAliveTimers: BGBKeepAliveTimers?
    /// This handler's slot in `keepAliveTimers`' heap; -1 when no keep-alive is scheduled.
    var keepAliveSlot = -1
    private var signInTimer: Scheduled<Void>?
    private var closeReason: BGBCloseReason?
    /// Whether to send SignIn on `channelActive` (plain TCP, tests) instead of after the TLS handshake.
    private let signInOnActive: Bool
    /// How long the TLS handshake may take once TCP is up.
    private let handshakeTimeout: TimeAmount
    private var handshakeTimer: Scheduled<Void>?
    /// Splits the inbound bytes into frames.
    private let parser: BGBFrameParser
    /// The start of a frame that has not arrived whole yet (nil almost always: a frame usually
    /// arrives in one TLS record).
    private var partialFrame: ByteBuffer?
    /// The channel's allocator, looked up once.
    private var allocator = ByteBufferAllocator()

    /// - Parameters:
    ///   - configuration: the session's identity and timing.
    ///   - signInOnActive: send SignIn when the channel becomes active, for pipelines without TLS.
    ///   - handshakeTimeout: close with a TLS failure when the handshake has not completed this long
    ///     after TCP connected (a server that accepts but never answers must not hold a session forever).
    ///   - framing: the frame parser's limits and anomaly policy; the default (`.tolerant`) delivers
    ///     zero-length frames and unknown channels to be counted (spec §2.6.2, §2.6.4).
    ///   - keepAliveTimers: the keep-alive timers shared by the sessions of the channel's event loop
    ///     (must be that loop's); nil: the handler keeps its own.
    public init(
        configuration: BGBSessionConfiguration,
        delegate: BGBSessionDelegate?,
        signInOnActive: Bool = false,
        handshakeTimeout: TimeAmount = .seconds(30),
        framing: BGBFrameParser.Configuration = .tolerant,
        keepAliveTimers: BGBKeepAliveTimers? = nil
    ) {
        self.keepAliveTimers = keepAliveTimers
        self.stateMachine = BGBSessionStateMachine(configuration: configuration)
        self.delegate = delegate
        self.signInOnActive = signInOnActive
        self.handshakeTimeout = handshakeTimeout
        self.parser = BGBFrameParser(configuration: framing)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        if let keepAliveTimers {
            precondition(keepAliveTimers.eventLoop === context.eventLoop, "keep-alive timers of another event loop")
        } else {
            keepAliveTimers = BGBKeepAliveTimers(eventLoop: context.eventLoop)
        }
        if context.channel.isActive {
            if signInOnActive { start(context: context) } else { armHandshakeTimer(context: context) }
        }
    }

    private func armHandshakeTimer(context: ChannelHandlerContext) {
        guard handshakeTimer == nil, stateMachine.state == .idle else { return }
        // Timer and promise callbacks hold the handler strongly (until they fire or are cancelled in
        // handlerRemoved): a weak reference would give every handler a side table, which puts every
        // retain and release of it on the slow path.
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
            guard let context = self.context, self.stateMachine.state == .idle else { return }
            if self.closeReason == nil {
                self.closeReason = .tls("the handshake did not complete within \(self.handshakeTimeout.nanoseconds / 1_000_000_000) s")
            }
            context.close(promise: nil)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
        delegate = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if signInOnActive { start(context: context) } else { armHandshakeTimer(context: context) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            start(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func start(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        guard stateMachine.state == .idle else { return }
        let now = self.now
        perform(stateMachine.transportReady(nowNanoseconds: now, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()))
        delegate?.sessionDidSendSignIn(self, atNanoseconds: now)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var partial = partialFrame {
            partialFrame = nil
            partial.writeBuffer(&buffer)
            buffer = partial
        }
        // Frames after a close (a Disconnect followed by more) are not for this session any more;
        // a partial frame at EOF is dropped, never dispatched (spec §2.6.6).
        while self.context != nil, !stateMachine.isClosed {
            let frame: BGBFrame
            do {
                guard let next = try parser.nextFrame(from: &buffer) else { break }
                frame = next
            } catch {
                if closeReason == nil { closeReason = .protocolError(error.description) }
                context.close(promise: nil)
                return
            }
            received(frame)
        }
        if buffer.readableBytes > 0, !stateMachine.isClosed {
            partialFrame = buffer
        }
        // Keep-alives of this loop's sessions that fell due while the loop reads a burst.
        keepAliveTimers?.readArrived()
    }

    private func received(_ frame: BGBFrame) {
        let now = self.now
        delegate?.session(self, didTransferBytesIn: frame.encodedSize, out: 0)
        if frame.payload.readableBytes == 0, frame.xmlHeader.readableBytes == 0, frame.channel != .none {
            perform(stateMachine.receivedEmptyFrame(channel: frame.channel))
            return
        }
        guard frame.channel.isKnown else {
            delegate?.session(self, didSurvive: .unknownChannel(frame.channel.rawValue))
            return
        }
        let message: BGBMessage
        do {
            message = try BGBMessage(frame: frame)
        } catch {
            perform(stateMachine.receivedUndecodable(channel: frame.channel, reason: error.description))
            return
        }
        perform(
            stateMachine.received(message, nowNanoseconds: now, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()),
            now: now
        )
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if closeReason == nil { closeReason = BGBCloseReason(error) }
        context.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let reason = closeReason ?? .eof
        perform(stateMachine.transportClosed(reason))
        delegate?.session(self, didCloseWith: reason)
        delegate = nil
        context.fireChannelInactive()
    }

    /// Answers a push. Call on the channel's event loop.
    public func respond(to request: BGBRequest, returnCode: ReturnCode) {
        perform(stateMachine.respond(to: request, returnCode: returnCode, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()), respondingTo: request)
    }

    /// Records that a push will not be answered (the responder's `no-response` option).
    public func dropPush() {
        stateMachine.dropPush()
    }

    /// Closes the session (TLS close, no Disconnect: spec §3.8). Call on the channel's event loop.
    public func close() {
        perform(stateMachine.close())
    }

    /// Carries out the state machine's actions; `now`: the loop time of the event, when the caller
    /// has read it already.
    private func perform(_ actions: BGBSessionStateMachine.Actions, respondingTo request: BGBRequest? = nil, now: UInt64? = nil) {
        guard let context else { return }
        var needsFlush = false
        for action in actions {
            switch action {
            case .send(let message):
                var buffer = allocator.buffer(capacity: 256)
                let size = message.writeTCPFrame(into: &buffer)
                delegate?.session(self, didTransferBytesIn: 0, out: size)
                if case .response = message, let request {
                    let promise = context.eventLoop.makePromise(of: Void.self)
                    promise.futureResult.assumeIsolated().whenSuccess {
                        self.delegate?.session(self, didFlushResponseTo: request, atNanoseconds: self.now)
                    }
                    context.write(wrapOutboundOut(buffer), promise: promise)
                } else {
                    context.write(wrapOutboundOut(buffer), promise: nil)
                }
                needsFlush = true
            case .scheduleKeepAlive(let at):
                keepAliveTimers?.schedule(self, at: at)
            case .scheduleSignInTimeout(let at):
                signInTimer?.cancel()
                signInTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(at)) {
                    self.signInTimeoutFired()
                }
            case .cancelTimers:
                cancelTimers()
            case .signedIn(let confirmed):
                signInTimer?.cancel()
                signInTimer = nil
                delegate?.sessionDidSignIn(self, confirmed: confirmed, atNanoseconds: now ?? self.now)
            case .deliverPush(let request):
                delegate?.session(self, didReceive: request, atNanoseconds: now ?? self.now)
            case .keepAliveSent(let lateness):
                delegate?.session(self, didSendKeepAliveLate: lateness)
            case .anomaly(let anomaly):
                delegate?.session(self, didSurvive: anomaly)
            case .close(let reason):
                if closeReason == nil { closeReason = reason }
                if needsFlush {
                    context.flush()
                    needsFlush = false
                }
                context.close(promise: nil)
            }
        }
        if needsFlush { context.flush() }
    }

    /// The loop's clock (virtual on an EmbeddedEventLoop, so tests can drive the timers).
    private var now: UInt64 { (context?.eventLoop.now ?? .now()).uptimeNanoseconds }

    /// The keep-alive deadline passed (called by ``BGBKeepAliveTimers``, which has unscheduled it).
    func keepAliveFired() {
        perform(
            stateMachine.keepAliveTimerFired(
                nowNanoseconds: self.now,
                epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()
            )
        )
    }

    private func signInTimeoutFired() {
        signInTimer = nil
        perform(
            stateMachine.signInTimeoutFired(
                nowNanoseconds: self.now,
                epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()
            )
        )
    }

    private func cancelTimers() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        keepAliveTimers?.cancel(self)
        signInTimer?.cancel()
        signInTimer = nil
    }
}
