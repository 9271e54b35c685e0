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
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (final ? "\n" : "")).utf8))
                hasLine = !final
            } else if !final {
                // Appended lines: the final line was already printed as the last interval's.
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    func log(_ message: String) {
        hasLine.withLockedValue { hasLine in
            let prefix = isTerminal && hasLine ? "\r\u{1B}[K" : ""
            FileHandle.standardError.write(Data((prefix + "bgbfleet: " + message + "\n").utf8))
            hasLine = false
        }
    }
}

/// Calls a handler on SIGINT and SIGTERM (a second signal exits at once).
final class SignalHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NIOLock()
    private var fired = false

    init(_ handler: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let again = self.lock.withLock { () -> Bool in
                    defer { self.fired = true }
                    return self.fired
                }
                if again {
                    FileHandle.standardError.write(Data("\nbgbfleet: interrupted again: exiting without reports\n".utf8))
                    _exit(130)
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
