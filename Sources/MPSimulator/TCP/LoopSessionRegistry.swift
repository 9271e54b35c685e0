import NIOCore

/// The sessions and HTTP connections living on one event loop, and that loop's expiry scan.
///
/// Loop-bound (`@unchecked Sendable`, every member touched on `eventLoop` only). One coarse repeated
/// task per loop compares each session's deadline with the clock: O(1) memory per session and no
/// scheduled task per connection, where `IdleStateHandler` would add a handler, a scheduled task and
/// its closure to every one of 19,000+ channels.
final class LoopSessionRegistry: @unchecked Sendable {
    let eventLoop: EventLoop
    private var tcpSessions: [UInt64: TCPSessionHandler] = [:]
    private var httpConnections: [ObjectIdentifier: HTTPConnectionHandler] = [:]
    private var scanTask: RepeatedTask?

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    var tcpSessionCount: Int {
        eventLoop.preconditionInEventLoop()
        return tcpSessions.count
    }

    func add(_ session: TCPSessionHandler) {
        eventLoop.preconditionInEventLoop()
        tcpSessions[session.sessionNumber] = session
    }

    func remove(_ session: TCPSessionHandler) {
        eventLoop.preconditionInEventLoop()
        tcpSessions[session.sessionNumber] = nil
    }

    func add(_ connection: HTTPConnectionHandler) {
        eventLoop.preconditionInEventLoop()
        httpConnections[ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: HTTPConnectionHandler) {
        eventLoop.preconditionInEventLoop()
        httpConnections[ObjectIdentifier(connection)] = nil
    }

    /// Starts the expiry scan (`extra` runs on every tick too, e.g. the HTTP hold scan).
    func startScanning(every interval: TimeAmount, extra: (@Sendable () -> Void)? = nil) {
        eventLoop.execute { [self] in
            scanTask?.cancel()
            scanTask = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
                scan()
                extra?()
            }
        }
    }

    func stopScanning() {
        eventLoop.execute { [self] in
            scanTask?.cancel()
            scanTask = nil
        }
    }

    private func scan() {
        let now = NIODeadline.now()
        var due: [TCPSessionHandler] = []
        for session in tcpSessions.values where now >= session.expiry {
            due.append(session)
        }
        for session in due { session.expireIfDue(now: now) }
    }

    /// Closes every session and HTTP connection on this loop.
    func closeAll(reason: CloseReason) {
        eventLoop.preconditionInEventLoop()
        let sessions = Array(tcpSessions.values)
        let connections = Array(httpConnections.values)
        for session in sessions { session.close(reason, detail: "closing all sessions") }
        for connection in connections { connection.closeConnection() }
    }

    /// Sessions on this loop that are signed in.
    func onlineSessions() -> [TCPSessionHandler] {
        eventLoop.preconditionInEventLoop()
        return tcpSessions.values.filter { $0.smsID != nil }
    }
}
