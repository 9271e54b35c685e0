import FleetRegistration
import Foundation

/// Shows registration progress: a redrawn line on a terminal, a plain line every five seconds otherwise.
final class RegistrationProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal: Bool
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(isTerminal: Bool) {
        self.isTerminal = isTerminal
    }

    func update(_ progress: RegistrationProgress) {
        lock.withLock {
            let now = ContinuousClock.now
            let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(5)
            if let lastDraw, now - lastDraw < interval, progress.done < progress.total { return }
            if lastDraw == nil { lastDraw = now; if !isTerminal { return } }
            lastDraw = now
            let line = "registrations: \(progress.done)/\(progress.total), registered \(progress.registered), failed \(progress.failed)"
            if isTerminal {
                drawn = true
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            } else {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    func finish() {
        lock.withLock {
            if isTerminal, drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
