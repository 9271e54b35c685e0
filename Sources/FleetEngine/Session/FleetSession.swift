import BGBClient
import BGBProtocol
import FleetMetrics
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// One simulated client in the fleet: connects, signs in, answers pushes, reconnects, and records
/// everything into the run's metrics. Lives on one event loop; no task and no thread of its own.
final class FleetSession: BGBSessionDelegate {
    let index: Int
    let entry: FleetPlan.Entry
    let shared: FleetRunContext
    let eventLoop: EventLoop
    var random: FleetRandom

    // Report columns.
    var smsID: SMSID?
    var connects = 0
    var reconnects = 0
    var keepAlives = 0
    var pushes = 0
    var responses = 0
    var lastError: FailureReason?

    // The attempt in progress.
    private(set) var state: SessionState = .planned
    private var attempt = 0
    private var previousDelay: UInt64 = 0
    private var attemptStartedAt: UInt64 = 0
    private var tcpConnectedAt: UInt64 = 0
    private var handler: BGBClientChannelHandler?
    private var channel: Channel?
    private var reconnectTimer: Scheduled<Void>?
    /// Pushes received, by (PushID, TaskID), for `response` and `e2e` timing.
    private var receivedAt: [Int64: (UInt64, TriggerRecord?)] = [:]

    init(entry: FleetPlan.Entry, shared: FleetRunContext, eventLoop: EventLoop) {
        self.index = entry.index
        self.entry = entry
        self.shared = shared
        self.eventLoop = eventLoop
        self.random = FleetRandom(seed: UInt64(entry.index) &* 0x9E37_79B9_7F4A_7C15 ^ shared.seed)
        shared.metrics.counters.increment(.planned)
    }

    private func move(to newState: SessionState) {
        guard newState != state else { return }
        shared.metrics.counters.transition(from: state, to: newState)
        state = newState
    }

    /// Starts (or restarts) a connection attempt; `scheduledAt` is the intended start (monotonic).
    func connect(scheduledAt: UInt64) {
        guard !shared.isStopping else { return }
        reconnectTimer = nil
        attemptStartedAt = scheduledAt
        connects += 1
        move(to: .connecting)
        let credentials: BGBClientCredentials
        let sslContext: NIOSSLContext
        do {
            let identity = try shared.identities.credentials(for: entry.identityIndex)
            credentials = identity
            smsID = identity.smsID
            sslContext = try shared.tls.makeContext(credentials: identity)
        } catch {
            shared.log("session \(index): cannot load identity \(entry.identityIndex): \(error)")
            fail(.other, permanent: true)
            return
        }
        let configuration = BGBSessionConfiguration(
            smsID: credentials.smsID,
            clientVersion: shared.clientVersion,
            keepAliveIntervalNanoseconds: shared.keepAliveInterval,
            keepAlivePhaseNanoseconds: shared.keepAliveSpread ? UInt64.random(in: 0..<shared.keepAliveInterval, using: &random) : 0,
            timestamps: shared.timestamps
        )
        let endpoint = BGBConnector.Endpoint(
            address: shared.target.tcpAddress,
            hostname: shared.target.host,
            sourceAddress: entry.sourceAddress.flatMap { try? SocketAddress(ipAddress: $0, port: 0) }
        )
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let handlerBox = NIOLoopBound(BoxedHandler(), eventLoop: eventLoop)
        BGBConnector.connect(on: eventLoop, to: endpoint, sslContext: sslContext, tls: shared.tls) {
            let handler = BGBClientChannelHandler(configuration: configuration, delegate: loopBound.value)
            handlerBox.value.handler = handler
            return handler
        }.assumeIsolated().whenComplete { result in
            let session = loopBound.value
            switch result {
            case .success(let channel):
                session.channel = channel
                session.handler = handlerBox.value.handler
                session.tcpConnectedAt = NIODeadline.now().uptimeNanoseconds
                session.shared.metrics.record(.tcp, nanoseconds: session.tcpConnectedAt &- session.attemptStartedAt)
                session.move(to: .tls)
                if session.shared.isStopping { session.close() }
            case .failure(let error):
                session.fail(Self.failureReason(connectError: error), permanent: false)
            }
        }
    }

    /// Closes the session for the end of the run.
    func close() {
        reconnectTimer?.cancel()
        reconnectTimer = nil
        if let handler { handler.close() } else { channel?.close(promise: nil) }
    }

    var isOpen: Bool { channel != nil }

    // MARK: BGBSessionDelegate

    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds now: UInt64) {
        shared.metrics.record(.tls, nanoseconds: now &- tcpConnectedAt)
    }

    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds now: UInt64) {
        shared.metrics.record(.connect, nanoseconds: now &- attemptStartedAt)
        attempt = 0
        previousDelay = 0
        move(to: .signedIn)
    }

    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds now: UInt64) {
        pushes += 1
        shared.metrics.counters.add(.pushesReceived)
        let trigger = shared.triggers.trigger(forPushID: request.pushID, taskType: request.taskType.rawValue)
        if let trigger {
            trigger.reached.wrappingIncrement(ordering: .relaxed)
            let fanout = now &- trigger.sentAt
            trigger.fanout.record(fanout)
            shared.metrics.record(.fanout, nanoseconds: fanout)
        }
        let key = Int64(request.pushID) << 32 | Int64(UInt32(bitPattern: request.taskID))
        receivedAt[key] = (now, trigger)
        let responder = shared.responder
        if responder.noResponseFraction > 0, Double.random(in: 0..<1, using: &random) < responder.noResponseFraction {
            receivedAt[key] = nil
            session.dropPush()
            return
        }
        let code: ReturnCode
        if responder.failureFraction > 0, Double.random(in: 0..<1, using: &random) < responder.failureFraction {
            code = ReturnCode(rawValue: responder.failureReturnCode)
        } else {
            code = ReturnCode(rawValue: responder.returnCode)
        }
        let delay = responder.handlingTime.sample(using: &random)
        if delay == 0 {
            session.respond(to: request, returnCode: code)
        } else {
            let handler = NIOLoopBound(session, eventLoop: eventLoop)
            eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay))) {
                handler.value.respond(to: request, returnCode: code)
            }
        }
    }

    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds now: UInt64) {
        responses += 1
        shared.metrics.counters.add(.responsesSent)
        let key = Int64(request.pushID) << 32 | Int64(UInt32(bitPattern: request.taskID))
        guard let (received, trigger) = receivedAt.removeValue(forKey: key) else { return }
        shared.metrics.record(.response, nanoseconds: now &- received)
        if let trigger {
            trigger.answered.wrappingIncrement(ordering: .relaxed)
            shared.metrics.record(.e2e, nanoseconds: now &- trigger.sentAt)
        }
    }

    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) {
        keepAlives += 1
        shared.metrics.counters.add(.keepalivesSent)
        shared.metrics.record(.keepaliveLate, nanoseconds: latenessNanoseconds)
    }

    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) {
        shared.metrics.counters.add(.protocolAnomalies)
    }

    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) {
        if bytesIn > 0 { shared.metrics.counters.add(.bytesIn, UInt64(bytesIn)) }
        if bytesOut > 0 { shared.metrics.counters.add(.bytesOut, UInt64(bytesOut)) }
    }

    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) {
        handler = nil
        channel = nil
        receivedAt.removeAll(keepingCapacity: false)
        if shared.isStopping, reason == .local || state != .signedIn {
            move(to: .planned)
            return
        }
        fail(Self.failureReason(close: reason), permanent: false)
    }

    // MARK: Failures and reconnects

    private func fail(_ reason: FailureReason, permanent: Bool) {
        lastError = reason
        shared.metrics.counters.record(reason)
        channel = nil
        handler = nil
        guard !shared.isStopping, !permanent else {
            move(to: shared.isStopping ? .planned : .failed)
            return
        }
        attempt += 1
        guard let delay = shared.reconnect.delay(attempt: attempt, previous: previousDelay, using: &random) else {
            move(to: .failed)
            return
        }
        previousDelay = delay
        reconnects += 1
        move(to: .reconnecting)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(delay))
        reconnectTimer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            loopBound.value.connect(scheduledAt: deadline.uptimeNanoseconds)
        }
    }

    static func failureReason(connectError error: Error) -> FailureReason {
        if let error = error as? ChannelError, case .connectTimeout = error { return .connectTimeout }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .connectRefused
            }
            return .other
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return .connectRefused }
        return .other
    }

    static func failureReason(close reason: BGBCloseReason) -> FailureReason {
        switch reason {
        case .local, .eof: .eof
        case .disconnectReceived: .disconnectReceived
        case .negotiationNeeded: .negotiationNeeded
        case .signInTimeout: .signinTimeout
        case .tls: .tls
        case .connect: .other
        case .protocolError: .protocolError
        case .io(let text): text.contains("reset") || text.contains("Connection reset") ? .reset : .other
        case .httpStatus(let status): status == 990 ? .http990 : .httpStatus
        }
    }

    /// The sessions.csv row.
    var reportRow: SessionReportRow {
        SessionReportRow(
            smsid: smsID?.rawValue ?? "",
            sourceAddress: entry.sourceAddress ?? "",
            transport: "tcp",
            connects: connects,
            reconnects: reconnects,
            keepalives: keepAlives,
            pushes: pushes,
            responses: responses,
            lastError: lastError
        )
    }
}

/// Carries the handler out of the channel initializer (both run on the same loop).
final class BoxedHandler {
    var handler: BGBClientChannelHandler?
}
