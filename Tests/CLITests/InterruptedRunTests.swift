import FleetMetrics
import Foundation
import Testing

/// A run stopped with SIGINT or SIGTERM writes its reports, says it was interrupted, and exits
/// 130 or 143 (also as the parent of `--processes`).
@Suite("Interrupted runs", .serialized)
struct InterruptedRunTests {
    /// A small P-256 pool (cheap to generate), made once.
    static let pool: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-interrupt-pool-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        let result = try! CLITests.runBlocking(["identities", "generate", "--count", "4", "--key", "p256", "--identities", directory.path])
        precondition(result.status == 0, "cannot generate the test pool: \(result.stderr)")
        return directory
    }()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: URL
    }

    /// Starts a 60-second run, waits until `ready` exists under its report directory (the signal
    /// handler is installed by then), sends `signal`, and waits for the exit.
    static func interruptedRun(signal: Int32, extra: [String] = [], ready: [String] = ["intervals.csv"]) async throws -> Outcome {
        try await offPool { try interruptedRunBlocking(signal: signal, extra: extra, ready: ready) }
    }

    static func interruptedRunBlocking(signal: Int32, extra: [String], ready: [String]) throws -> Outcome {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-interrupt-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["run", "--identities", pool.path, "--sessions", "4", "--rate", "100", "--duration", "60s",
                             "--output", output.path, "--quiet"] + extra
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, process.isRunning,
            !ready.allSatisfy({ FileManager.default.fileExists(atPath: output.appendingPathComponent($0).path) })
        {
            usleep(100_000)
        }
        usleep(1_500_000)  // let the sessions sign in
        kill(process.processIdentifier, signal)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let exitDeadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < exitDeadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Outcome(
            status: process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            output: output
        )
    }

    @Test("SIGINT: reports written, interrupted: true, exit 130; SIGTERM: exit 143", arguments: [SIGINT, SIGTERM])
    func interrupted(signal: Int32) async throws {
        let outcome = try await Self.interruptedRun(signal: signal)
        defer { try? FileManager.default.removeItem(at: outcome.output) }
        #expect(outcome.status == 128 + signal, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("INTERRUPTED"))
        #expect(outcome.stdout.contains("peak signed_in=4"))
        let summary = try RunSummary.decode(json: Data(contentsOf: outcome.output.appendingPathComponent("summary.json")))
        #expect(summary.interrupted)
        #expect(summary.peakSignedIn == 4)
        #expect(summary.durationSeconds < 50)
    }

    @Test("--processes 2: the coordinator stops the workers on SIGINT, merges their' reports and exits 130")
    func interruptedShards() async throws {
        let outcome = try await Self.interruptedRun(
            signal: SIGINT, extra: ["--processes", "2"], ready: ["worker-0/intervals.csv", "worker-1/intervals.csv"]
        )
        defer { try? FileManager.default.removeItem(at: outcome.output) }
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("INTERRUPTED"))
        let merged = try RunSummary.decode(json: Data(contentsOf: outcome.output.appendingPathComponent("summary.json")))
        #expect(merged.interrupted)
        for shard in 0..<2 {
            let summary = try RunSummary.decode(json: Data(contentsOf: outcome.output.appendingPathComponent("worker-\(shard)/summary.json")))
            #expect(summary.interrupted)
        }
    }
}
