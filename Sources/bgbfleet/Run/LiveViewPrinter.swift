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
