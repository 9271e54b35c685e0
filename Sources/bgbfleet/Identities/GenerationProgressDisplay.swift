import FleetIdentity
import Foundation

/// Redraws a progress bar on a terminal (at most ten times a second), or prints a plain line
/// every five seconds otherwise. Called from generation worker threads.
final class GenerationProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal: Bool
    private let start = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var latest: GenerationProgress?
    private let interval: Duration

    init(isTerminal: Bool) {
        self.isTerminal = isTerminal
        self.interval = isTerminal ? .milliseconds(100) : .seconds(5)
    }

    func update(_ progress: GenerationProgress) {
        lock.withLock {
            latest = progress
            let now = ContinuousClock.now
            if let lastDraw, now - lastDraw < interval, progress.done < progress.total { return }
            if lastDraw == nil, !isTerminal, now - start < interval { return }
            lastDraw = now
            draw(progress, now: now)
        }
    }

    /// Ends the bar's line.
    func finish() {
        lock.withLock {
            if isTerminal, lastDraw != nil {
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
    }

    private func draw(_ progress: GenerationProgress, now: ContinuousClock.Instant) {
        let elapsed = now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.done) / seconds : 0
        let fraction = progress.total > 0 ? Double(progress.done) / Double(progress.total) : 1
        let remaining = rate > 0 ? Double(progress.total - progress.done) / rate : 0
        let numbers = "\(progress.done)/\(progress.total) \(String(format: "%5.1f", fraction * 100))% \(String(format: "%.1f", rate))/s ETA \(clock(remaining))"
        if isTerminal {
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(numbers)".utf8))
        } else {
            FileHandle.standardError.write(Data("identities: \(numbers)\n".utf8))
        }
    }

    private func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%d:%02d", minutes, secs)
    }
}
