import ArgumentParser
import FleetEngine
import FleetSupport

/// `run --processes N|auto`: a number of local worker processes, or as few as the open-file
/// limit allows for the plan.
enum ProcessCount: ExpressibleByArgument, Equatable {
    case fixed(Int)
    case auto

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let count = Int(argument) {
            self = .fixed(count)
        } else {
            return nil
        }
    }
}

extension RunCommand {
    /// The `--processes` count (nil: not given); `auto` is sized here from the file limit, and
    /// said on stderr when `announce`.
    func resolvedProcesses(profile: FleetProfile, fileLimit: Int, announce: Bool) throws -> Int? {
        switch processes {
        case nil:
            return nil
        case .fixed(let count):
            guard (1...FleetProfile.maxProcesses).contains(count) else {
                throw CommandFailure.badInput("--processes \(count): must be 1…\(FleetProfile.maxProcesses) or auto")
            }
            return count
        case .auto:
            let embedded = profile.mp == nil
            let connections = profile.transport == .http ? 2 : 1
            let count = Preflight.processesNeeded(
                sessions: profile.sessions,
                embedded: embedded,
                fileLimit: fileLimit,
                connectionsPerSession: connections
            )
            guard count <= FleetProfile.maxProcesses else {
                throw CommandFailure.badInput(
                    "--processes auto: \(profile.sessions) sessions need \(count) processes at \(fileLimit) open files each; the most is \(FleetProfile.maxProcesses): raise the hard limit (ulimit -Hn) or use more hosts (--workers)"
                )
            }
            if announce {
                let perProcess = Preflight.sessionsPerProcess(embedded: embedded, fileLimit: fileLimit, connectionsPerSession: connections)
                stderrLine("bgbfleet: --processes auto: \(count) process\(count == 1 ? "" : "es") (open-file limit \(fileLimit): up to \(perProcess) sessions each\(embedded ? " with the embedded simulator" : ""))")
            }
            return count
        }
    }
}
