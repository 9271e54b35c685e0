import NIOConcurrencyHelpers
import NIOCore

/// The fault switches read on the hot path (SignIn, KeepAlive, accept).
final class FaultState: Sendable {
    private struct Settings {
        var signInConfirmDelay: Duration
        var ignoreKeepAlives: Bool
        var refuseUntil: NIODeadline?
    }

    private let settings: NIOLockedValueBox<Settings>

    init(_ faults: MPSimulatorConfiguration.Faults) {
        settings = NIOLockedValueBox(
            Settings(signInConfirmDelay: faults.signInConfirmDelay, ignoreKeepAlives: faults.ignoreKeepAlives)
        )
    }

    var signInConfirmDelay: Duration {
        get { settings.withLockedValue { $0.signInConfirmDelay } }
        set { settings.withLockedValue { $0.signInConfirmDelay = newValue } }
    }

    var ignoreKeepAlives: Bool {
        get { settings.withLockedValue { $0.ignoreKeepAlives } }
        set { settings.withLockedValue { $0.ignoreKeepAlives = newValue } }
    }

    /// Refuse (close at once) new connections until `deadline`; nil stops refusing.
    func refuse(until deadline: NIODeadline?) {
        settings.withLockedValue { $0.refuseUntil = deadline }
    }

    /// Whether a connection accepted now must be closed at once.
    var isRefusing: Bool {
        settings.withLockedValue { settings in
            guard let until = settings.refuseUntil else { return false }
            if NIODeadline.now() < until { return true }
            settings.refuseUntil = nil
            return false
        }
    }

    /// The public view.
    var snapshot: MPSimulatorFaults {
        settings.withLockedValue { settings in
            let remaining: Duration? = settings.refuseUntil.flatMap { until in
                let left = until - NIODeadline.now()
                return left.nanoseconds > 0 ? .nanoseconds(left.nanoseconds) : nil
            }
            return MPSimulatorFaults(
                signInConfirmDelay: settings.signInConfirmDelay,
                ignoreKeepAlives: settings.ignoreKeepAlives,
                refusingConnectionsFor: remaining
            )
        }
    }
}

/// The faults in force.
public struct MPSimulatorFaults: Sendable, Hashable {
    /// Every SignInConfirm waits this long.
    public var signInConfirmDelay: Duration
    /// Keep-alives refresh neither `LastStatusTime` nor the idle timer.
    public var ignoreKeepAlives: Bool
    /// New connections are closed at once for this much longer; nil when accepting.
    public var refusingConnectionsFor: Duration?
}

/// A frame sent to sessions for generator robustness tests (spec §3.8, §10 items 1, 7, 8).
public enum FaultFrame: String, Sendable, Hashable, Codable, CaseIterable {
    /// Channel 5 with a `<BgbDisconnectMessage TimeStamp="…"/>` payload (the SDK ignores it).
    case disconnect
    /// Channel 6 with a `<BgbNegotiationNeededMessage TimeStamp="…"/>` payload (the SDK closes).
    case negotiationNeeded
    /// A frame with PayloadSize 0 on channel 5 (fatal to the SDK on TCP; the idle answer on HTTP).
    case zeroLength
}
