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
///
/// Transport: TCP + TLS, or the HTTP long-poll (``BGBHTTPSession``) for `transport: http`. A TCP
/// session falls back to HTTP after `reconnect.httpFallbackAfter` consecutive TCP connect or TLS
/// failures (spec §8.4): it is then counted in the `http_fallback` gauge (on top of its connection
/// state, so `signed_in` still counts it for triggers) and tries TCP again every
/// ``FleetRunContext/tcpRetryInterval`` while the run lasts.
final class FleetSession: BGBSessionDelegate, BGBHTTPSessionObserver {
    let index: Int
    let entry: FleetPlan.Entry
    let shared: FleetRunContext
    let eventLoop: EventLoop
    /// This session's event loop's block of the run's counters (``FleetCounters``).
    let counterShard: Int
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
    private var httpSession: BGBHTTPSession?
    private var reconnectTimer: Scheduled<Void>?
    /// The transport of the attempt in progress (the sessions.csv `transport` column).
    private(set) var transport: FleetProfile.Transport
    /// TCP connect or TLS failures in a row, for the HTTP fallback.
    private var consecutiveTCPFailures = 0
    /// On the TCP → HTTP fallback (counted in the `http_fallback` gauge).
    private(set) var onHTTPFallback = false
    private var tcpRetryTimer: Scheduled<Void>?
    /// The HTTP session is being closed to try TCP again: reconnect at once, count no failure.
    private var switchingToTCP = false
    /// Pushes received and not answered yet, for `response` and `e2e` timing.
    private var unanswered = UnansweredPushes()

    init(entry: FleetPlan.Entry, shared: FleetRunContext, eventLoop: EventLoop, counterShard: Int) {
        self.index = entry.index
        self.entry = entry
        self.shared = shared
        self.eventLoop = eventLoop
        self.counterShard = counterShard
        self.random = FleetRandom(seed: UInt64(entry.index) &* 0x9E37_79B9_7F4A_7C15 ^ shared.seed)
        self.transport = shared.transport
        shared.metrics.counters.increment(.planned, shard: counterShard)
    }

    /// The run's counters; every update goes to ``counterShard``.
    private var counters: FleetCounters { shared.metrics.counters }

    private func move(to newState: SessionState) {
        guard newState != state else { return }
        counters.transition(from: state, to: newState, shard: counterShard)
        state = newState
    }

    /// Starts (or restarts) a connection attempt; `scheduledAt` is the intended start (monotonic).
    func connect(scheduledAt: UInt64) {
        guard !shared.isStopping else { return }
        reconnectTimer = nil
        attemptStartedAt = scheduledAt
        connects += 1
        move(to: .connecting)
        if shared.transport == .http || onHTTPFallback {
            transport = .http
            connectHTTP()
        } else {
            transport = .tcp
            connectTCP()
        }
    }

    /// The state machine's settings for one attempt; the keep-alive phase is drawn per attempt.
    private func sessionConfiguration(smsID: SMSID) -> BGBSessionConfiguration {
        BGBSessionConfiguration(
            smsID: smsID,
            clientVersion: shared.clientVersion,
            keepAliveIntervalNanoseconds: shared.keepAliveInterval,
            keepAlivePhaseNanoseconds: shared.keepAliveSpread ? UInt64.random(in: 0..<shared.keepAliveInterval, using: &random) : 0,
            // Strict: a SignIn the MP never confirms is a failed sign-in and a reconnect, never a
            // session counted as signed in (the SDK's lenient behaviour hides a broken MP).
            signInTimeoutNanoseconds: shared.signInTimeout,
            strictSignIn: true,
            timestamps: shared.timestamps
        )
    }

    /// Where to connect, from this session's source address.
    private func endpoint(address: SocketAddress) -> BGBConnector.Endpoint {
        BGBConnector.Endpoint(
            address: address,
            hostname: shared.target.host,
            sourceAddress: entry.sourceAddress.flatMap { try? SocketAddress(ipAddress: $0, port: 0) }
        )
    }

    private func connectTCP() {
        let smsID: SMSID
        let tls: BGBConnectionTLS
        do {
            if let leanTLS = shared.leanTLS {
                let identity = try shared.identities.rawCredentials(for: entry.identityIndex)
                smsID = identity.smsID
                tls = .lean(leanTLS, certificateDER: identity.certificateDER, privateKeyDER: identity.privateKeyDER)
            } else {
                let identity = try shared.identities.credentials(for: entry.identityIndex)
                smsID = identity.smsID
                tls = .nioSSL(try shared.tls.makeContext(credentials: identity), shared.tls)
            }
            self.smsID = smsID
        } catch {
            shared.log("session \(index): cannot load identity \(entry.identityIndex): \(error)")
            fail(.other, permanent: true)
            return
        }
        let configuration = sessionConfiguration(smsID: smsID)
        let endpoint = endpoint(address: shared.target.tcpAddress)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let handlerBox = NIOLoopBound(BoxedHandler(), eventLoop: eventLoop)
        BGBConnector.connect(on: eventLoop, to: endpoint, tls: tls) {
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
                session.tcpAttemptFailed()
                session.fail(FailureReason(connectError: error), permanent: false)
            }
        }
    }

    private func connectHTTP() {
        guard let httpAddress = shared.target.httpAddress else {
            shared.log("session \(index): transport http, but the MP's HTTP port is not known")
            fail(.other, permanent: true)
            return
        }
        let credentials: BGBClientCredentials
        let signer: BGBPayloadSigner
        var tls: HTTPClientTLS?
        do {
            credentials = try shared.identities.credentials(for: entry.identityIndex)
            smsID = credentials.smsID
            signer = try shared.identities.payloadSigner(for: entry.identityIndex)
            if shared.target.httpTLS {
                tls = HTTPClientTLS(context: try shared.tls.makeContext(credentials: credentials), options: shared.tls)
            }
        } catch {
            shared.log("session \(index): cannot load identity \(entry.identityIndex) for HTTP: \(error)")
            fail(.other, permanent: true)
            return
        }
        let configuration = sessionConfiguration(smsID: credentials.smsID)
        let endpoint = endpoint(address: httpAddress)
        let session = BGBHTTPSession(
            configuration: configuration,
            http: shared.http,
            signer: signer,
            endpoint: endpoint,
            tls: tls,
            eventLoop: eventLoop,
            delegate: self
        )
        httpSession = session
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        session.start().assumeIsolated().whenComplete { result in
            let fleetSession = loopBound.value
            switch result {
            case .success:
                fleetSession.tcpConnectedAt = NIODeadline.now().uptimeNanoseconds
                fleetSession.shared.metrics.record(.tcp, nanoseconds: fleetSession.tcpConnectedAt &- fleetSession.attemptStartedAt)
                if fleetSession.shared.isStopping { fleetSession.close() }
            case .failure(let error):
                guard fleetSession.httpSession === session else { return }
                fleetSession.httpSession = nil
                if fleetSession.shared.isStopping {
                    // Closed by the end of the run before the first connection was up: no failure.
                    fleetSession.leaveHTTPFallback()
                    fleetSession.move(to: .planned)
                    return
                }
                fleetSession.fail(FailureReason(connectError: error), permanent: false)
            }
        }
    }

    /// A TCP connect or TLS failure: after `httpFallbackAfter` in a row, the next attempts use HTTP.
    private func tcpAttemptFailed() {
        guard transport == .tcp else { return }
        consecutiveTCPFailures += 1
        let threshold = shared.reconnect.httpFallbackAfter
        guard threshold > 0, consecutiveTCPFailures >= threshold, !onHTTPFallback, shared.target.httpAddress != nil,
            !shared.isStopping
        else { return }
        onHTTPFallback = true
        counters.increment(.httpFallback, shard: counterShard)
        shared.noteHTTPFallback(session: index, failures: consecutiveTCPFailures)
    }

    private func leaveHTTPFallback() {
        guard onHTTPFallback else { return }
        onHTTPFallback = false
        counters.decrement(.httpFallback, shard: counterShard)
        tcpRetryTimer?.cancel()
        tcpRetryTimer = nil
    }

    /// On the fallback: try TCP again after the retry interval (one more failure returns to HTTP).
    private func scheduleTCPRetry() {
        guard onHTTPFallback, tcpRetryTimer == nil, !shared.isStopping else { return }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        tcpRetryTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(shared.tcpRetryInterval))) {
            let session = loopBound.value
            session.tcpRetryTimer = nil
            guard session.onHTTPFallback, !session.shared.isStopping else { return }
            session.leaveHTTPFallback()
            session.consecutiveTCPFailures = max(0, session.shared.reconnect.httpFallbackAfter - 1)
            if let http = session.httpSession {
                session.switchingToTCP = true
                http.close()
            }
        }
    }

    /// Closes the session for the end of the run.
    func close() {
        reconnectTimer?.cancel()
        reconnectTimer = nil
        tcpRetryTimer?.cancel()
        tcpRetryTimer = nil
        if let httpSession {
            httpSession.close()
        } else if let handler {
            handler.close()
        } else {
            channel?.close(promise: nil)
        }
    }

    var isOpen: Bool { channel != nil || httpSession != nil }

    // MARK: BGBSessionDelegate

    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds now: UInt64) {
        // `tls` is TCP only: on HTTP, SignIn follows the LogIn round trip, not a handshake.
        if transport == .tcp { shared.metrics.record(.tls, nanoseconds: now &- tcpConnectedAt) }
    }

    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds now: UInt64) {
        shared.metrics.record(.connect, nanoseconds: now &- attemptStartedAt)
        attempt = 0
        previousDelay = 0
        if transport == .tcp { consecutiveTCPFailures = 0 }
        move(to: .signedIn)
        scheduleTCPRetry()
    }

    func sessionWillLogInAgain(_ session: BGBHTTPSession, count: Int) {
        // 990: the MP forgot the session; the HTTP session logs in again at once (spec §8.4).
        lastError = .http990
        counters.record(.http990, shard: counterShard)
        reconnects += 1
        connects += 1
        attemptStartedAt = NIODeadline.now().uptimeNanoseconds
        unanswered.removeAll()
        move(to: .connecting)
    }

    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds now: UInt64) {
        pushes += 1
        counters.add(.pushesReceived, shard: counterShard)
        let trigger = shared.triggers.trigger(forPushID: request.pushID, taskType: request.taskType.rawValue)
        if let trigger {
            trigger.reached.wrappingIncrement(ordering: .relaxed)
            let fanout = now &- trigger.sentAt
            trigger.recordFanout(fanout)
            shared.metrics.record(.fanout, nanoseconds: fanout)
        }
        let responder = shared.responder
        if responder.noResponseFraction > 0, Double.random(in: 0..<1, using: &random) < responder.noResponseFraction {
            session.dropPush()
            return
        }
        unanswered.insert(pushID: request.pushID, taskID: request.taskID, receivedAt: now, trigger: trigger)
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
        counters.add(.responsesSent, shard: counterShard)
        guard let (received, trigger) = unanswered.remove(pushID: request.pushID, taskID: request.taskID) else { return }
        shared.metrics.record(.response, nanoseconds: now &- received)
        if let trigger {
            trigger.answered.wrappingIncrement(ordering: .relaxed)
            shared.metrics.record(.e2e, nanoseconds: now &- trigger.sentAt)
        }
    }

    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) {
        keepAlives += 1
        counters.add(.keepalivesSent, shard: counterShard)
        shared.metrics.record(.keepaliveLate, nanoseconds: latenessNanoseconds)
    }

    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) {
        counters.add(.protocolAnomalies, shard: counterShard)
    }

    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) {
        if bytesIn > 0 { counters.add(.bytesIn, UInt64(bytesIn), shard: counterShard) }
        if bytesOut > 0 { counters.add(.bytesOut, UInt64(bytesOut), shard: counterShard) }
    }

    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) {
        handler = nil
        channel = nil
        httpSession = nil
        unanswered.removeAll()
        if shared.isStopping, reason == .local || state != .signedIn {
            leaveHTTPFallback()
            move(to: .planned)
            return
        }
        if switchingToTCP, reason == .local {
            switchingToTCP = false
            connect(scheduledAt: NIODeadline.now().uptimeNanoseconds)
            return
        }
        switchingToTCP = false
        if transport == .tcp, state != .signedIn, case .tls = reason { tcpAttemptFailed() }
        if case .tlsVerification(let text) = reason { shared.noteTLSVerificationFailure(session: index, text) }
        fail(FailureReason(closeReason: reason), permanent: false)
    }

    // MARK: Failures and reconnects

    private func fail(_ reason: FailureReason, permanent: Bool) {
        lastError = reason
        counters.record(reason, shard: counterShard)
        channel = nil
        handler = nil
        httpSession = nil
        guard !shared.isStopping, !permanent else {
            leaveHTTPFallback()
            move(to: shared.isStopping ? .planned : .failed)
            return
        }
        attempt += 1
        guard let delay = shared.reconnect.delay(attempt: attempt, previous: previousDelay, using: &random) else {
            leaveHTTPFallback()
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

    /// The sessions.csv row.
    var reportRow: SessionReportRow {
        SessionReportRow(
            smsid: smsID?.rawValue ?? "",
            sourceAddress: entry.sourceAddress ?? "",
            transport: transport.rawValue,
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
