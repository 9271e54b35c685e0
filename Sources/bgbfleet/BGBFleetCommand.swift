import ArgumentParser
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
        version: "0.1.0",
        subcommands: [
            RunCommand.self,
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
        } catch {
            ExitStatus.exit(withError: error, code: ExitStatus.code(for: error))
        }
    }
}

/// Maps errors to the process exit codes the design promises.
enum ExitStatus {
    static let success: Int32 = 0
    static let runFailed: Int32 = 1
    static let badInput: Int32 = 2
    static let thresholdFailed: Int32 = 99

    static func code(for error: Error) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        if error is CleanExit { return 0 }
        if let failure = error as? CommandFailure { return failure.exitCode }
        // Parsing and validation errors from ArgumentParser, and everything that was
        // wrong with what the user gave us, are "bad usage or input".
        return badInput
    }

    static func exit(withError error: Error, code: Int32) -> Never {
        if code == success, error is CleanExit || error is ExitCode {
            BGBFleetCommand.exit(withError: error)
        }
        if error is CommandFailure {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(code)
        }
        if let exit = error as? ExitCode {
            Foundation.exit(exit.rawValue)
        }
        let message = BGBFleetCommand.fullMessage(for: error)
        if !message.isEmpty {
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
        Foundation.exit(code)
    }
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
