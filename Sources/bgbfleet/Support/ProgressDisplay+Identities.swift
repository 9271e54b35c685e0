import FleetIdentity
import FleetRegistration
import FleetSupport
import Foundation

extension ProgressDisplay where Progress == GenerationProgress {
    /// `identities generate`: a bar with the count, rate and time left on a terminal,
    /// `identities: …` lines otherwise.
    static func generation() -> ProgressDisplay<GenerationProgress> {
        ProgressDisplay(isComplete: { $0.done >= $0.total }) { progress, elapsed, isTerminal in
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Double(progress.done) / seconds : 0
            let fraction = progress.total > 0 ? Double(progress.done) / Double(progress.total) : 1
            let remaining = rate > 0 ? Double(progress.total - progress.done) / rate : 0
            let numbers = "\(progress.done)/\(progress.total) \(String(format: "%5.1f", fraction * 100))% \(String(format: "%.1f", rate))/s ETA \(clock(remaining))"
            guard isTerminal else { return "identities: \(numbers)" }
            let width = 30
            let filled = max(0, min(width, Int(fraction * Double(width))))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "[\(bar)] \(numbers)"
        }
    }

    /// A duration as `m:ss`, or `h:mm:ss` from an hour.
    private static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%d:%02d", minutes, secs)
    }
}

extension ProgressDisplay where Progress == RegistrationProgress {
    /// `identities register`: the counts so far.
    static func registration() -> ProgressDisplay<RegistrationProgress> {
        ProgressDisplay(isComplete: { $0.done >= $0.total }) { progress, _, _ in
            "registrations: \(progress.done)/\(progress.total), registered \(progress.registered), failed \(progress.failed)"
        }
    }
}
