import ArgumentParser
import FleetMetrics
import Foundation

/// The `bgbfleet` command: a load generator for ConfigMgr client notification (BGB).
///
/// Exit codes follow the design: 0 success, 2 bad usage or input, 1 the run failed,
/// 99 a threshold failed.
@main
struct BGBFleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgbfleet",
        abstract: "Simulate a fleet of ConfigMgr clients holding client-notification (BGB) sessions against an MP.",
        version: BGBFleetVersion.current,
        subcommands: [
            RunCommand.self,
            WorkerCommand.self,
            MPSimCommand.self,
            IdentitiesCommand.self,
            InspectCommand.self,
            ReportCommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // Usage errors exit 2, as the design promises, not ArgumentParser's 64.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.badInput)
            }
            // Help and version (0), and explicit exit codes (99 threshold failed, 130 interrupted).
            exit(withError: error)
        }
    }
}

/// The process exit codes the design promises.
enum ExitStatus {
    static let success: Int32 = 0
    static let runFailed: Int32 = 1
    static let badInput: Int32 = 2
    static let thresholdFailed: Int32 = 99
}

/// An error that carries its own exit code and message, thrown by subcommands.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    static func badInput(_ message: String) -> CommandFailure {
        CommandFailure(message: message, exitCode: ExitStatus.badInput)
    }

    static func runFailed(_ message: String) -> CommandFailure {
        CommandFailure(message: message, exitCode: ExitStatus.runFailed)
    }

    var description: String { message }
}
