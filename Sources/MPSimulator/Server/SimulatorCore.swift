import BGBProtocol
import FleetMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The simulator's shared state and the rules every listener applies: identities, sessions,
/// operations, counters, faults. Channel handlers hold a reference; nothing here blocks.
final class SimulatorCore: Sendable {
    let configuration: MPSimulatorConfiguration
    let logger: Logger
    let directory = ClientDirectory()
    let operations = OperationStore()
    let faults: FaultState
    let httpSessions = NIOLockedValueBox(HTTPSessionTable())
    /// `mp_rtt`: push written → Response read.
    let rtt = AtomicHistogram()
    /// HTTP: push queued → handed to a poll.
    let httpQueueWait = AtomicHistogram()
    private let counters = NIOLockedValueBox(MPSimulatorCounters())
    private let registries = NIOLockedValueBox<[ObjectIdentifier: LoopSessionRegistry]>([:])
    private let sessionNumbers = NIOLockedValueBox<UInt64>(0)
    private let timestampStyle: BGBTimeStamp.Style

    init(configuration: MPSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.faults = FaultState(configuration.faults)
        switch configuration.timestampStyle {
        case .wholeSeconds: timestampStyle = .utcWholeSeconds
        case .dotnet: timestampStyle = .utcTrimmedFraction
        }
    }

    // MARK: counters

    @inline(__always)
    func update(_ body: (inout MPSimulatorCounters) -> Void) {
        counters.withLockedValue(body)
    }

    var countersSnapshot: MPSimulatorCounters { counters.withLockedValue { $0 } }

    // MARK: loops and sessions

    /// The registry of `eventLoop`, created on first use.
    func registry(for eventLoop: EventLoop) -> LoopSessionRegistry {
        registries.withLockedValue { registries in
            let key = ObjectIdentifier(eventLoop)
            if let registry = registries[key] { return registry }
            let registry = LoopSessionRegistry(eventLoop: eventLoop)
            registries[key] = registry
            registry.startScanning(every: scanInterval)
            return registry
        }
    }

    var allRegistries: [LoopSessionRegistry] { registries.withLockedValue { Array($0.values) } }

    /// The expiry scan period: a quarter of the shortest timeout, between 10 ms and 1 s.
    var scanInterval: TimeAmount {
        let shortest = min(configuration.handshakeTimeout, configuration.tcpIdleTimeout, configuration.httpHold)
        let quarter = shortest.nanoseconds / 4
        return .nanoseconds(max(10_000_000, min(1_000_000_000, quarter)))
    }

    func nextSessionNumber() -> UInt64 {
        sessionNumbers.withLockedValue { number in
            number &+= 1
            return number
        }
    }

    func timeStamp() -> BGBTimeStamp {
        BGBTimeStamp.now(timestampStyle)
    }

    // MARK: identities

    enum IdentityDecision {
        case accept(ClientRecord)
        case reject(CloseReason, detail: String)
    }

    /// The SignIn identity check of spec §2.2.4 / §10 item 25. `thumbprint` is the TLS client
    /// certificate's (nil on HTTP, where the PayloadSignature authenticates).
    func checkIdentity(_ smsID: SMSID, thumbprint: String?, channelType: ChannelType) -> IdentityDecision {
        let strict = configuration.identityCheck == .strict
        guard let record = directory.record(for: smsID) else {
            if strict { return .reject(.unknownSMSID, detail: "SignIn of unregistered \(smsID)") }
            update { $0.unknownSMSIDsAccepted += 1 }
            let record = directory.register(
                [(smsID, nil, "", "")],
                origin: .implicit,
                approved: true
            )[0]
            return .accept(record)
        }
        if channelType == .tcp, let registered = record.certificate?.thumbprint, registered != thumbprint {
            let detail = "TLS certificate \(thumbprint ?? "none") is not the one registered for \(smsID) (\(registered))"
            if strict { return .reject(.certificateMismatch, detail: detail) }
            update { $0.certificateMismatchesAccepted += 1 }
        }
        return .accept(record)
    }

    /// A session signed in: it now holds the identity; the session it replaces is closed.
    func signedIn(_ smsID: SMSID, session: SessionRef, record: ClientRecord) {
        let replaced = directory.signIn(smsID, session: session, record: record)
        update { counters in
            switch session.channelType {
            case .tcp:
                counters.signInsTCP += 1
                counters.sessionsOnlineTCP += 1
            case .http:
                counters.signInsHTTP += 1
                counters.sessionsOnlineHTTP += 1
            }
            if replaced != nil { counters.replacedSessions += 1 }
        }
        if let replaced { end(replaced, reason: .replaced) }
    }

    func keepAlive(_ smsID: SMSID, sessionNumber: UInt64) {
        update { $0.keepAlives += 1 }
        directory.keepAlive(smsID, sessionNumber: sessionNumber)
    }

    /// An online session ended.
    func sessionEnded(_ smsID: SMSID, sessionNumber: UInt64, channelType: ChannelType) {
        directory.endSession(smsID, sessionNumber: sessionNumber)
        update { counters in
            switch channelType {
            case .tcp: counters.sessionsOnlineTCP -= 1
            case .http: counters.sessionsOnlineHTTP -= 1
            }
        }
    }

    /// Ends a session from outside its connection (replacement, faults, restart).
    func end(_ session: SessionRef, reason: CloseReason, answer: PollAnswer = .idle) {
        switch session {
        case .tcp(let handler):
            handler.eventLoop.execute {
                handler.close(reason, detail: "session ended by the server")
            }
        case .http(let id, let number):
            endHTTPSession(id, number: number, reason: reason, answer: answer)
        case .foreign:
            break
        }
    }

    // MARK: responses

    /// A Response arrived from `smsID`: match it by (SMSID, PushID, TaskID).
    func handleResponse(_ response: BGBResponse, from smsID: SMSID) {
        let now = Clock.monotonicNanoseconds
        guard let operation = operations.operation(pushID: response.pushID),
            operation.request.taskID == response.taskID
        else {
            update { $0.responsesUnmatched += 1 }
            logger.debug("unmatched Response", metadata: [
                "smsid": "\(smsID)", "push_id": "\(response.pushID)", "task_id": "\(response.taskID)",
            ])
            return
        }
        switch operation.recordResponse(from: smsID, returnCode: response.returnCode, now: now) {
        case .matched(let rtt, let success):
            if let rtt { self.rtt.record(rtt) }
            update { counters in
                counters.responsesMatched += 1
                if !success { counters.responsesFailedReturnCode += 1 }
            }
        case .duplicate:
            update { $0.responsesDuplicate += 1 }
        case .unmatched:
            update { $0.responsesUnmatched += 1 }
        }
    }

    // MARK: push bookkeeping

    func pushWritten(_ push: PushTarget) {
        let now = Clock.monotonicNanoseconds
        let enqueuedAt = push.operation.enqueuedAt(push.index)
        if enqueuedAt != 0, now >= enqueuedAt { httpQueueWait.record(now - enqueuedAt) }
        push.operation.markWritten([(push.index, now)])
        update { $0.pushesWritten += 1 }
    }

    func pushFailed(_ push: PushTarget, reason: String) {
        if push.operation.markFailed(push.index, reason: reason) {
            update { $0.pushesFailed += 1 }
        }
    }
}
