import BGBProtocol
import NIOCore

/// The HTTP fallback sessions (spec §4.10): session ids, held polls, queued messages, expiry.
///
/// A pure state machine guarded by one lock in ``SimulatorCore``: its mutating methods return what
/// to answer; the caller writes the answers outside the lock.
struct HTTPSessionTable {
    /// A Continue being held as a long poll.
    struct HeldPoll: Sendable {
        let token: UInt64
        let responder: HTTPPollResponder
        let deadline: NIODeadline
    }

    /// A message waiting for the next poll.
    struct QueuedMessage: Sendable {
        let frame: BGBFrame
        /// The push it carries, to record the write.
        let push: PushTarget?
        let enqueuedAt: UInt64
    }

    struct Session {
        let id: BGBSessionID
        let number: UInt64
        var smsID: SMSID?
        var keepAliveInterval: UInt32 = 0
        var lastActivity: NIODeadline
        var held: HeldPoll?
        var queue: [QueuedMessage] = []
    }

    enum PollOutcome {
        case answer(QueuedMessage)
        /// Held; `released` is an older held poll of the session to answer idle (newest wins).
        case hold(released: HeldPoll?)
        case unknownSession
    }

    enum DeliverOutcome {
        case answer(HeldPoll, QueuedMessage)
        case queued
        case overflow
        case unknownSession
    }

    private(set) var sessions: [BGBSessionID: Session] = [:]

    var count: Int { sessions.count }

    mutating func logIn(_ id: BGBSessionID, number: UInt64, now: NIODeadline) {
        sessions[id] = Session(id: id, number: number, lastActivity: now)
    }

    /// A Continue arrived: refreshes the session; nil if it is unknown.
    mutating func touch(_ id: BGBSessionID, keepAliveInterval: UInt32, now: NIODeadline) -> Session? {
        guard var session = sessions[id] else { return nil }
        session.keepAliveInterval = keepAliveInterval
        session.lastActivity = now
        sessions[id] = session
        return session
    }

    /// The session signed in as `smsID`; returns the SMSID it had before, if different.
    mutating func signIn(_ id: BGBSessionID, smsID: SMSID) -> SMSID? {
        guard var session = sessions[id] else { return nil }
        let previous = session.smsID
        session.smsID = smsID
        sessions[id] = session
        return previous == smsID ? nil : previous
    }

    /// A Continue that is a poll: answer at once with the oldest queued message or hold it.
    mutating func poll(_ id: BGBSessionID, token: UInt64, responder: HTTPPollResponder, deadline: NIODeadline) -> PollOutcome {
        guard var session = sessions[id] else { return .unknownSession }
        if !session.queue.isEmpty {
            let message = session.queue.removeFirst()
            sessions[id] = session
            return .answer(message)
        }
        let released = session.held
        session.held = HeldPoll(token: token, responder: responder, deadline: deadline)
        sessions[id] = session
        return .hold(released: released)
    }

    /// A message for the session: answers the held poll, or queues (bounded by `limit`).
    mutating func deliver(_ id: BGBSessionID, sessionNumber: UInt64, message: QueuedMessage, limit: Int) -> DeliverOutcome {
        guard var session = sessions[id], session.number == sessionNumber else { return .unknownSession }
        if let held = session.held {
            session.held = nil
            sessions[id] = session
            return .answer(held, message)
        }
        guard session.queue.count < limit else { return .overflow }
        session.queue.append(message)
        sessions[id] = session
        return .queued
    }

    /// Forgets a held poll whose connection is answering something else or went away.
    mutating func releaseHold(_ id: BGBSessionID, token: UInt64) -> HeldPoll? {
        guard var session = sessions[id], let held = session.held, held.token == token else { return nil }
        session.held = nil
        sessions[id] = session
        return held
    }

    /// Removes a session (LogOut, forced end, replacement).
    mutating func remove(_ id: BGBSessionID) -> Session? {
        sessions.removeValue(forKey: id)
    }

    /// Removes a session only if it is still the numbered one.
    mutating func remove(_ id: BGBSessionID, number: UInt64) -> Session? {
        guard sessions[id]?.number == number else { return nil }
        return sessions.removeValue(forKey: id)
    }

    /// Removes every session.
    mutating func removeAll() -> [Session] {
        defer { sessions.removeAll() }
        return Array(sessions.values)
    }

    /// Held polls past their deadline (released) and sessions idle past their expiry (removed).
    mutating func expire(now: NIODeadline, idleTimeout: (UInt32) -> TimeAmount) -> (holds: [HeldPoll], sessions: [Session]) {
        var holds: [HeldPoll] = []
        var expired: [Session] = []
        for (id, session) in sessions {
            if let held = session.held {
                // A held poll keeps the session alive; its release restarts the idle clock.
                if now >= held.deadline {
                    holds.append(held)
                    sessions[id]?.held = nil
                    sessions[id]?.lastActivity = now
                }
                continue
            }
            if now - session.lastActivity >= idleTimeout(session.keepAliveInterval) {
                expired.append(session)
                sessions[id] = nil
            }
        }
        return (holds, expired)
    }
}

/// A push bound for one target of an operation.
struct PushTarget: Sendable {
    let operation: ClientOperation
    let index: Int
}
