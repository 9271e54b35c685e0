import BGBClient
import FleetMetrics

@testable import FleetEngine

/// A deterministic generator for the state machine's draws: returns its values in turn, forever.
struct ScriptedRandom: RandomNumberGenerator {
    var values: [UInt64]
    private var position = 0

    init(_ values: [UInt64]) {
        precondition(!values.isEmpty)
        self.values = values
    }

    mutating func next() -> UInt64 {
        defer { position = (position + 1) % values.count }
        return values[position]
    }
}

/// Drives a ``FleetSessionStateMachine`` on a virtual clock: the reconnect and TCP retry timers
/// the machine asks for are kept here and fire when the test advances the clock; the HTTP session
/// is "open" between a `connect(.http)` and its close, as the shell's `httpSession` is.
struct FleetSessionStateMachineHarness {
    typealias Event = FleetSessionStateMachine.Event
    typealias Action = FleetSessionStateMachine.Action

    var machine: FleetSessionStateMachine
    var random: ScriptedRandom
    /// The virtual clock (monotonic nanoseconds).
    var now: UInt64 = 1_000_000_000
    var stopping = false
    /// Every action so far, in order.
    var log: [Action] = []
    var reconnectDeadline: UInt64?
    var tcpRetryDeadline: UInt64?
    var httpSessionOpen = false

    static let hour: UInt64 = 3_600_000_000_000

    init(
        transport: FleetProfile.Transport = .tcp,
        httpAvailable: Bool = true,
        reconnect: ReconnectPolicy = ReconnectPolicy(),
        tcpRetryInterval: UInt64 = hour,
        random: ScriptedRandom = ScriptedRandom([0x1234_5678_9ABC_DEF0, 0x0FED_CBA9_8765_4321, 42])
    ) {
        machine = FleetSessionStateMachine(
            configuration: .init(
                transport: transport,
                httpAvailable: httpAvailable,
                reconnect: reconnect,
                tcpRetryInterval: tcpRetryInterval
            )
        )
        self.random = random
    }

    /// Sends one event at the current virtual time; keeps the timers it schedules.
    @discardableResult
    mutating func send(_ event: Event) -> [Action] {
        let actions = machine.handle(event, now: now, stopping: stopping, random: &random)
        log += actions
        for action in actions {
            switch action {
            case .scheduleReconnect(let deadline): reconnectDeadline = deadline
            case .scheduleTCPRetry(let interval): tcpRetryDeadline = now + interval
            case .leaveHTTPFallback: tcpRetryDeadline = nil
            case .cancelTimers:
                reconnectDeadline = nil
                tcpRetryDeadline = nil
            case .connect(.http, _): httpSessionOpen = true
            default: break
            }
        }
        if case .closed = event { httpSessionOpen = false }
        if case .httpConnectFailed = event { httpSessionOpen = false }
        return actions
    }

    /// Advances the virtual clock to `time`, firing the timers due by then, earliest first; returns
    /// the actions of the events they sent.
    @discardableResult
    mutating func advance(to time: UInt64) -> [Action] {
        var actions: [Action] = []
        while true {
            let due = [reconnectDeadline, tcpRetryDeadline].compactMap { $0 }.filter { $0 <= time }.min()
            guard let due else { break }
            now = due
            if due == reconnectDeadline {
                reconnectDeadline = nil
                actions += send(.connectDue(scheduledAt: due))
            } else {
                tcpRetryDeadline = nil
                actions += send(.tcpRetryDue(httpSessionOpen: httpSessionOpen))
            }
        }
        now = max(now, time)
        return actions
    }

    /// Advances the clock by `nanoseconds`.
    @discardableResult
    mutating func advance(by nanoseconds: UInt64) -> [Action] {
        advance(to: now + nanoseconds)
    }

    /// Connects and fails `count` TCP attempts in a row (connect refused), each reconnect fired by
    /// the virtual clock.
    mutating func failTCPConnects(_ count: Int) {
        for _ in 0..<count {
            if machine.state != .connecting { advance(to: reconnectDeadline ?? now) }
            send(.tcpConnectFailed(.connectRefused))
        }
    }
}

extension ReconnectPolicy {
    /// Storm: reconnect at once, no draws.
    static let storm = ReconnectPolicy(mode: .storm)
}
