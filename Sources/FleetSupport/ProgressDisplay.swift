import Foundation
import NIOConcurrencyHelpers

/// A progress line on stderr for a long command (identities generated, registered): on a
/// terminal redrawn in place at most ten times a second, otherwise appended as a plain line every
/// five seconds. The last update (``isComplete``) is always drawn once the display has started.
/// Updates may come from any thread.
public final class ProgressDisplay<Progress: Sendable>: Sendable {
    /// Whether the line is redrawn in place (stderr is a terminal).
    public let isTerminal: Bool
    /// The least time between two lines.
    public let interval: Duration
    private let start: ContinuousClock.Instant
    private let isComplete: @Sendable (Progress) -> Bool
    private let line: @Sendable (Progress, _ elapsed: Duration, _ isTerminal: Bool) -> String
    private let write: @Sendable (String) -> Void
    private let state = NIOLockedValueBox(State())

    private struct State {
        var lastDraw: ContinuousClock.Instant?
    }

    /// Creates a display.
    ///
    /// - Parameters:
    ///   - isTerminal: whether stderr is a terminal (by default, asks).
    ///   - start: when the work started (rates and the first plain line count from it).
    ///   - write: where the text goes (stderr by default).
    ///   - isComplete: whether an update is the last one.
    ///   - line: the text for an update, given the time since `start` and ``isTerminal``.
    public init(
        isTerminal: Bool = isatty(STDERR_FILENO) == 1,
        start: ContinuousClock.Instant = .now,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        isComplete: @escaping @Sendable (Progress) -> Bool,
        line: @escaping @Sendable (Progress, _ elapsed: Duration, _ isTerminal: Bool) -> String
    ) {
        self.isTerminal = isTerminal
        self.interval = isTerminal ? .milliseconds(100) : .seconds(5)
        self.start = start
        self.write = write
        self.isComplete = isComplete
        self.line = line
    }

    /// Shows `progress` if a line is due (or it is the last).
    public func update(_ progress: Progress, now: ContinuousClock.Instant = .now) {
        state.withLockedValue { state in
            if let lastDraw = state.lastDraw, now - lastDraw < interval, !isComplete(progress) { return }
            // A plain log gets no line for work that ends within one interval.
            if state.lastDraw == nil, !isTerminal, now - start < interval { return }
            state.lastDraw = now
            let text = line(progress, now - start, isTerminal)
            write(isTerminal ? "\r\u{1B}[K" + text : text + "\n")
        }
    }

    /// Ends the redrawn line, if one was drawn.
    public func finish() {
        state.withLockedValue { state in
            if isTerminal, state.lastDraw != nil { write("\n") }
        }
    }
}
