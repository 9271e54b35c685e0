import BGBProtocol

extension BGBHTTPSessionStateMachine {
    /// Where the session is.
    public enum Phase: Hashable, Sendable {
        case idle
        /// LogIn sent (or waiting for a connection); no session id yet.
        case loggingIn
        /// Logged in with this session id: SignIn, keep-alives, pushes.
        case loggedIn(BGBSessionID)
        /// LogOut sent; every other answer is ignored.
        case loggingOut
        case closed(BGBCloseReason)
    }

    /// The time of an event: the monotonic clock (timers, elapsed times) and the wall clock
    /// (message time stamps).
    public struct Instant: Hashable, Sendable {
        public var uptimeNanoseconds: UInt64
        public var epochNanoseconds: Int64

        public init(uptimeNanoseconds: UInt64, epochNanoseconds: Int64) {
            self.uptimeNanoseconds = uptimeNanoseconds
            self.epochNanoseconds = epochNanoseconds
        }
    }

    /// Names one of the session's connections (the shell maps it to its channel).
    public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int

        public init(_ rawValue: Int) {
            self.rawValue = rawValue
        }

        public var description: String { "connection \(rawValue)" }
    }

    /// The session's timers; at most one of each runs.
    public enum Timer: Hashable, Sendable, CaseIterable {
        /// The next keep-alive (from ``BGBSessionStateMachine``).
        case keepAlive
        /// The SignInConfirm wait (from ``BGBSessionStateMachine``).
        case signInTimeout
        /// The next poll after a quick empty answer (``BGBHTTPPollScheduler``).
        case poll
        /// The wait for the LogOut answer.
        case logOut
    }

    /// How ``BGBHTTPSession/start()`` ends.
    public enum StartResult: Hashable, Sendable {
        /// The first connection is up: the future succeeds.
        case connected
        /// The first connection could not be opened: the future fails with the connect error.
        case connectFailed
        /// The session closed before its first connection was up.
        case closedBeforeConnecting(BGBCloseReason)
    }

    /// A request handed to a connection. The shell passes it back with its answer or failure.
    public struct Request: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case logIn
            /// A Continue carrying `message`; `respondingTo` is the push a Response answers (the
            /// shell reports the flush).
            case `continue`(BGBMessage, sessionID: BGBSessionID, respondingTo: BGBRequest?)
            /// LogOut, with `Connection: close`.
            case logOut(BGBSessionID)
        }

        public var kind: Kind
        /// The login it belongs to (incremented at every re-login).
        public var generation: Int
        /// When it went out (monotonic).
        public var sentAtNanoseconds: UInt64

        public init(kind: Kind, generation: Int, sentAtNanoseconds: UInt64) {
            self.kind = kind
            self.generation = generation
            self.sentAtNanoseconds = sentAtNanoseconds
        }

        var isContinue: Bool {
            if case .continue = kind { return true }
            return false
        }
    }

    /// What the shell must do, in order.
    public enum Action: Hashable, Sendable {
        /// Open a connection; report ``BGBHTTPSessionStateMachine/connected(_:now:)`` or
        /// ``BGBHTTPSessionStateMachine/connectFailed(_:reason:)``, and later
        /// ``BGBHTTPSessionStateMachine/connectionClosed(_:now:)``.
        case openConnection(ConnectionID)
        /// Write `request` on this connection; report its answer or failure.
        case send(Request, on: ConnectionID)
        /// Close this connection (no new requests go on it).
        case closeConnection(ConnectionID)
        /// (Re)arm `timer` to fire at this monotonic time, replacing a running one.
        case scheduleTimer(Timer, atNanoseconds: UInt64)
        case cancelTimer(Timer)
        /// Complete the future ``BGBHTTPSession/start()`` returned.
        case completeStart(StartResult)
        /// SignIn went out (delegate).
        case signInSent(atNanoseconds: UInt64)
        /// SignInConfirm arrived or the wait ended in lenient mode (delegate).
        case signedIn(confirmed: Bool)
        /// A push arrived (delegate).
        case deliverPush(BGBRequest)
        /// A keep-alive went out this late (delegate).
        case keepAliveSent(latenessNanoseconds: UInt64)
        /// Something the session survives (delegate).
        case anomaly(BGBAnomaly)
        /// A 990 answer: the session logs in again, the `count`th time (observer).
        case willLogInAgain(count: Int)
        /// The session ended (delegate, once; never after ``completeStart(_:)`` with a failure).
        case closed(BGBCloseReason)
    }

    public typealias Actions = [Action]
}
