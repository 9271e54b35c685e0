import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Turns SIGINT and SIGTERM into a graceful stop, the same way for every long-running command
/// (`run`, `worker`, `mp-sim`, `identities generate|register`):
///
/// - the first signal prints what happens now, calls `onStop` once and wakes ``firstSignal()``;
/// - a second one exits at once with 128 + the signal, or is ignored (``Repeat``);
/// - the first signal is remembered, so that the command can exit with the shell's status for
///   it, ``exitStatus`` (SIGINT 130, SIGTERM 143).
///
/// The signals' default actions are disabled while the handler is installed; ``cancel()``
/// restores them.
public final class InterruptHandler: @unchecked Sendable {
    // @unchecked Sendable: `sources` is set once in `init` and only cancelled afterwards
    // (dispatch sources are thread-safe); the mutable state is in a lock box.

    /// What a second signal does.
    public enum Repeat: Sendable {
        /// Writes the message to stderr (on a line of its own) and exits at once with
        /// 128 + the signal, skipping whatever the graceful stop would still have done.
        case exit(message: String)
        /// Nothing: for a process that receives one interruption twice (a shard of `run
        /// --processes`, reached by a terminal's Ctrl-C and by its parent's), which must still
        /// finish its graceful stop.
        case ignore
    }

    /// SIGINT and SIGTERM.
    public static let terminationSignals: [Int32] = [SIGINT, SIGTERM]

    private struct State {
        var first: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private let state = NIOLockedValueBox(State())
    private let signals: [Int32]
    private let message: String?
    private let again: Repeat
    private let onStop: @Sendable (Int32) -> Void
    private let sources: [any DispatchSourceSignal]

    /// Installs the handler.
    ///
    /// - Parameters:
    ///   - signals: the signals handled (``terminationSignals``; a test passes none and calls
    ///     ``receive(_:)`` itself).
    ///   - message: written to stderr, on a line of its own, when the first signal arrives.
    ///   - again: what a second signal does.
    ///   - onStop: called once, on a dispatch queue, with the first signal.
    public init(
        signals: [Int32] = InterruptHandler.terminationSignals,
        stopping message: String?,
        again: Repeat,
        onStop: @escaping @Sendable (Int32) -> Void = { _ in }
    ) {
        self.signals = signals
        self.message = message
        self.again = again
        self.onStop = onStop
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        for (number, source) in zip(signals, sources) {
            source.setEventHandler { [weak self] in self?.receive(number) }
            source.resume()
        }
    }

    /// A signal arrived (called by the signal's dispatch source).
    func receive(_ number: Int32) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Int32, Never>]? in
            guard state.first == nil else { return nil }
            state.first = number
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else {
            switch again {
            case .ignore:
                return
            case .exit(let message):
                FileHandle.standardError.write(Data(("\n" + message + "\n").utf8))
                _exit(128 + number)
            }
        }
        if let message { FileHandle.standardError.write(Data(("\n" + message + "\n").utf8)) }
        onStop(number)
        for waiter in waiters { waiter.resume(returning: number) }
    }

    /// The first signal received, if any.
    public var received: Int32? { state.withLockedValue { $0.first } }

    /// The exit status for an interrupted command: 128 + the first signal (SIGINT 130,
    /// SIGTERM 143); nil when none arrived.
    public var exitStatus: Int32? { received.map { 128 + $0 } }

    /// Waits for the first signal (at once when one has already arrived) and returns it.
    public func firstSignal() async -> Int32 {
        await withCheckedContinuation { continuation in
            let first = state.withLockedValue { state -> Int32? in
                if let first = state.first { return first }
                state.waiters.append(continuation)
                return nil
            }
            if let first { continuation.resume(returning: first) }
        }
    }

    /// Uninstalls the handler and restores the signals' default actions.
    public func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
