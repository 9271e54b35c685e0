import FleetEngine
import Foundation
import NIOConcurrencyHelpers

/// Prints the live line: rewritten in place on a terminal, appended otherwise (to stderr, so stdout
/// keeps only the summary).
final class LiveViewPrinter: Sendable {
    let enabled: Bool
    let isTerminal: Bool
    private let hasLine = NIOLockedValueBox(false)

    init(enabled: Bool) {
        self.enabled = enabled
        self.isTerminal = isatty(STDERR_FILENO) == 1
    }

    func show(_ line: String, final: Bool) {
        guard enabled else { return }
        hasLine.withLockedValue { hasLine in
            if isTerminal {
                // Rewritten in place: the line must fit the terminal, or it wraps.
                let fitted = LiveLine.fit(line, width: Self.terminalWidth())
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + fitted + (final ? "\n" : "")).utf8))
                hasLine = !final
            } else if !final {
                // Appended lines: the final line was already printed as the last interval's.
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    /// The terminal's width in columns: stderr's window size (TIOCGWINSZ), else `COLUMNS`, else nil.
    static func terminalWidth() -> Int? {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return nil
    }

    func log(_ message: String) {
        hasLine.withLockedValue { hasLine in
            let prefix = isTerminal && hasLine ? "\r\u{1B}[K" : ""
            FileHandle.standardError.write(Data((prefix + "bgbfleet: " + message + "\n").utf8))
            hasLine = false
        }
    }
}

/// Calls a handler on SIGINT and SIGTERM (a second signal exits at once), and remembers the
/// first signal so that the run can exit with the shell's status for it (130 or 143).
final class SignalHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NIOLock()
    private var fired = false
    private var firstSignal: Int32?

    /// The first signal received, if any.
    var received: Int32? { lock.withLock { firstSignal } }

    /// The exit status for an interrupted run: 128 + the signal (SIGINT 130, SIGTERM 143).
    var exitStatus: Int32? { received.map { 128 + $0 } }

    /// - Parameter exitOnSecondSignal: false in a shard process: a Ctrl-C on a terminal reaches
    ///   the parent and every shard at once, and the parent forwards it too, so a shard sees two
    ///   signals for one interruption and must still write its reports.
    init(exitOnSecondSignal: Bool = true, _ handler: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let again = self.lock.withLock { () -> Bool in
                    defer { self.fired = true }
                    if self.firstSignal == nil { self.firstSignal = number }
                    return self.fired
                }
                if again, !exitOnSecondSignal { return }
                if again {
                    FileHandle.standardError.write(Data("\nbgbfleet: interrupted again: exiting without reports\n".utf8))
                    _exit(128 + number)
                }
                FileHandle.standardError.write(Data("\nbgbfleet: stopping: closing sessions and writing reports (again to exit at once)\n".utf8))
                handler()
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }
}
