import BGBProtocol
import BGBTLS
import CCMMessaging
import Logging
import NIOCore

/// One TLS notification session: reads decoded frames, runs ``TCPSessionStateMachine`` and writes
/// SignInConfirm and pushes.
///
/// Loop-bound: every member is touched on `eventLoop` only (`@unchecked Sendable` so the fan-out can
/// carry a reference to the loop). Idle and handshake expiry are checked by the loop's
/// ``LoopSessionRegistry`` scan against ``expiry`` — no timer per session.
final class TCPSessionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = BGBFrame
    typealias OutboundOut = ByteBuffer

    let sessionNumber: UInt64
    let eventLoop: EventLoop
    private let core: SimulatorCore
    private var context: ChannelHandlerContext?
    private var registry: LoopSessionRegistry?
    private var machine = TCPSessionStateMachine()
    private var closeReason: CloseReason?
    private var wasOnline = false
    /// When the session expires unless a frame arrives: handshake deadline, then idle deadline.
    private(set) var expiry: NIODeadline

    init(core: SimulatorCore, eventLoop: EventLoop, sessionNumber: UInt64) {
        self.core = core
        self.eventLoop = eventLoop
        self.sessionNumber = sessionNumber
        self.expiry = .now() + core.configuration.handshakeTimeout.timeAmount
    }

    var smsID: SMSID? { machine.smsID }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
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

    /// Bookkeeping at the end of the connection, once.
    private func finish() {
        guard let registry else { return }
        self.registry = nil
        registry.remove(self)
        let reason = closeReason ?? .clientClosed
        core.update { $0.count(reason) }
        if wasOnline, let smsID = machine.smsID {
            wasOnline = false
            core.sessionEnded(smsID, sessionNumber: sessionNumber, channelType: .tcp)
        }
        machine.close()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let message = Result { () throws(BGBMessageError) -> BGBMessage in try BGBMessage(frame: frame) }
        let action = machine.received(channel: frame.channel, message: message)
        switch action {
        case .signIn(let message):
            signIn(message, context: context)
        case .confirmAgain:
            refreshExpiry()
            sendSignInConfirm(context: context)
        case .keepAlive(let smsID):
            if core.faults.ignoreKeepAlives {
                core.update { $0.keepAlivesIgnored += 1 }
            } else {
                refreshExpiry()
                core.keepAlive(smsID, sessionNumber: sessionNumber)
            }
        case .response(let smsID, let response):
            refreshExpiry()
            core.handleResponse(response, from: smsID)
        case .ignore(let reason, let detail):
            refreshExpiry()
            core.update { $0.count(reason) }
            core.logger.debug("ignored a frame", metadata: metadata(detail))
        case .close(let reason, let protocolError, let detail):
            if let protocolError { core.update { $0.count(protocolError) } }
            close(reason, detail: detail)
        }
    }

    private func signIn(_ signIn: BGBSignIn, context: ChannelHandlerContext) {
        let thumbprint = peerThumbprint(context: context)
        switch core.checkIdentity(signIn.clientID, thumbprint: thumbprint, channelType: .tcp) {
        case .reject(let reason, let detail):
            machine.close()
            close(reason, detail: detail)
        case .accept(let record):
            machine.signedIn(signIn.clientID)
            wasOnline = true
            refreshExpiry()
            core.signedIn(signIn.clientID, session: .tcp(self), record: record)
            sendSignInConfirm(context: context)
        }
    }

    private func refreshExpiry() {
        expiry = .now() + core.configuration.tcpIdleTimeout.timeAmount
    }

    /// The SHA-1 thumbprint of the client's TLS certificate, from whichever TLS engine is below.
    private func peerThumbprint(context: ChannelHandlerContext) -> String? {
        if let lean = try? context.pipeline.syncOperations.handler(type: BGBLeanTLSHandler.self) {
            return lean.peerCertificateSHA1.map(ReversedSignature.hex)
        }
        guard let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
            let der = try? certificate.toDERBytes()
        else { return nil }
        return ClientCertificate.thumbprint(of: der)
    }

    private func sendSignInConfirm(context: ChannelHandlerContext) {
        var frame = context.channel.allocator.buffer(capacity: 160)
        BGBMessage.signInConfirm(BGBSignInConfirm(timeStamp: core.timeStamp())).writeTCPFrame(into: &frame)
        let buffer = frame
        let delay = core.faults.signInConfirmDelay
        if delay > .zero {
            context.eventLoop.scheduleTask(in: delay.timeAmount) { [self] in
                guard let context = self.context, self.machine.isOnline else { return }
                context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let reason: CloseReason
        var protocolError: ProtocolErrorReason?
        switch error {
        case let frameError as BGBFrameError:
            reason = .protocolError
            switch frameError {
            case .payloadTooLarge: protocolError = .oversizedFrame
            case .zeroPayloadSize: protocolError = .zeroPayloadSize
            case .headerSizeExceedsPayload: protocolError = .headerSizeExceedsPayload
            case .unknownChannel: protocolError = .unknownChannel
            case .truncated: protocolError = .malformedMessage
            }
        default:
            reason = CloseReason(BGBTransportFailure(error))
        }
        if let protocolError { core.update { $0.count(protocolError) } }
        close(reason, detail: String(describing: error))
    }

    /// Closes the connection (TLS close, never Disconnect), logging one line for abnormal reasons.
    func close(_ reason: CloseReason, detail: String) {
        guard let context else { return }
        if closeReason == nil {
            closeReason = reason
            switch reason {
            case .clientClosed, .clientDisconnect, .shutdown, .listenerRestart, .replaced, .faultInjected:
                core.logger.debug("session closed", metadata: metadata(detail, reason: reason))
            default:
                core.logger.notice("session closed", metadata: metadata(detail, reason: reason))
            }
        }
        context.close(promise: nil)
    }

    private func metadata(_ detail: String, reason: CloseReason? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["session": "\(sessionNumber)", "detail": "\(detail)"]
        if let reason { metadata["reason"] = "\(reason.rawValue)" }
        if let smsID = machine.smsID { metadata["smsid"] = "\(smsID)" }
        if let remote = context?.channel.remoteAddress { metadata["peer"] = "\(remote)" }
        return metadata
    }

    /// Called by the loop's registry scan.
    func expireIfDue(now: NIODeadline) {
        guard now >= expiry, closeReason == nil else { return }
        if machine.isOnline {
            close(.idleTimeout, detail: "no frame for \(core.configuration.tcpIdleTimeout)")
        } else {
            close(.handshakeTimeout, detail: "no SignIn within \(core.configuration.handshakeTimeout)")
        }
    }

    /// Writes a push (the operation's shared frame bytes); returns the monotonic write time, or
    /// nil with a reason when the session cannot take it.
    func deliver(_ operation: ClientOperation, index: Int) -> Result<UInt64, PushFailure> {
        guard let context, machine.isOnline, closeReason == nil, context.channel.isActive else {
            return .failure(.sessionClosed)
        }
        guard context.channel.isWritable else {
            core.update { $0.slowReaderDrops += 1 }
            close(.slowReader, detail: "channel not writable when a push was due")
            return .failure(.slowReader)
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { [core] error in
            if operation.markFailed(index, reason: "write failed: \(error)") {
                core.update { $0.pushesFailed += 1 }
            }
        }
        context.writeAndFlush(wrapOutboundOut(operation.tcpFrame), promise: promise)
        return .success(Clock.monotonicNanoseconds)
    }

    /// Writes a fault-injection frame (Disconnect, NegotiationNeeded or a zero-length frame).
    func sendFaultFrame(_ bytes: ByteBuffer) -> Bool {
        guard let context, machine.isOnline, closeReason == nil else { return false }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        return true
    }
}

/// Why a push could not be sent to a session.
enum PushFailure: String, Error {
    case sessionClosed = "session closed before the push"
    case slowReader = "slow reader: channel not writable"
    case httpQueueFull = "HTTP queue full"
}
