import Foundation
import NIOConcurrencyHelpers
import Testing

/// `mp-sim` and `identities generate` under SIGINT/SIGTERM: the one interrupt handler every
/// command shares (`run`'s own cases are InterruptedRunTests).
@Suite("Interrupted commands", .serialized)
struct InterruptedCommandsTests {
    /// Starts the binary with `arguments`, waits (at most 60 s) until its stdout or stderr
    /// contains `ready`, waits `settle` more, sends `signal` and waits (at most 60 s) for the exit.
    static func interrupt(_ arguments: [String], ready: String, settle: useconds_t = 500_000, signal: Int32) async throws -> CLITests.Result {
        try await offPool { try interruptBlocking(arguments, ready: ready, settle: settle, signal: signal) }
    }

    static func interruptBlocking(_ arguments: [String], ready: String, settle: useconds_t, signal: Int32) throws -> CLITests.Result {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let collected = NIOLockedValueBox((stdout: Data(), stderr: Data()))
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLockedValue { $0.stdout.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLockedValue { $0.stderr.append(data) }
        }
        func text() -> (String, String) {
            collected.withLockedValue { (String(decoding: $0.stdout, as: UTF8.self), String(decoding: $0.stderr, as: UTF8.self)) }
        }
        try process.run()
        let readyDeadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < readyDeadline, !(text().0 + text().1).contains(ready) { usleep(50_000) }
        usleep(settle)
        kill(process.processIdentifier, signal)
        let exitDeadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < exitDeadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        usleep(200_000)  // the last output
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        let (stdout, stderr) = text()
        return CLITests.Result(
            status: process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus,
            stdout: stdout,
            stderr: stderr
        )
    }

    static func temporaryDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-\(name)-\(UUID().uuidString)")
    }

    @Test("mp-sim: SIGINT or SIGTERM shuts down, prints the final counters and exits 0", arguments: [SIGINT, SIGTERM])
    func mpSim(signal: Int32) async throws {
        let state = Self.temporaryDirectory("mpsim-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let outcome = try await Self.interrupt(
            ["mp-sim", "--host", "127.0.0.1", "--tls-port", "0", "--http-port", "0", "--admin-port", "0",
             "--server-key", "p256", "--state-dir", state.path],
            ready: "identity check", signal: signal
        )
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"), shutting down"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("final counters"), "\(outcome.stdout)")
    }

    @Test("identities generate: SIGINT or SIGTERM keeps the complete chunks and exits 130 or 143", arguments: [SIGINT, SIGTERM])
    func generate(signal: Int32) async throws {
        let pool = Self.temporaryDirectory("interrupted-pool")
        defer { try? FileManager.default.removeItem(at: pool) }
        let outcome = try await Self.interrupt(
            ["identities", "generate", "--count", "100000", "--key", "rsa2048", "--jobs", "1", "--identities", pool.path],
            ready: "generating identities into", signal: signal
        )
        #expect(outcome.status == 128 + signal, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("stopping: writing the chunks already complete"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("resume with: bgbfleet identities generate"), "\(outcome.stderr)")
    }
}
