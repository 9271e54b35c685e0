import Foundation
import TestSupport
import Testing

@testable import bgbfleet

/// Runs the built `bgbfleet` binary as a user would.
@Suite("Command line")
struct CLITests {
    static let binary: URL = {
        // The test bundle sits next to the products in .build/<configuration>.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("bgbfleet").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("bgbfleet")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with `arguments` to its end (at most `timeout`), off the cooperative pool.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) async throws -> Result {
        try await offPool { try runBlocking(arguments, environment: environment, timeout: timeout) }
    }

    /// ``run(_:environment:timeout:)`` on the calling thread (for static initializers).
    static func runBlocking(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    @Test("inspect decodes every golden vector file")
    func inspectVectors() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: GoldenVectors.directory.path).filter { $0.hasSuffix(".hex") }
        #expect(files.count == 17)
        for file in files {
            let result = try await Self.run(["inspect", GoldenVectors.directory.appendingPathComponent(file).path])
            #expect(result.status == 0, "\(file): \(result.stderr)")
            #expect(!result.stdout.isEmpty)
        }
        let registration = try await Self.run(["inspect", GoldenVectors.hexFile("registration-request").path])
        #expect(registration.stdout.contains("Signature         valid (SHA256, reversed byte order)"))
        #expect(registration.stdout.contains("Thumbprint        78BB4BC694176CE23312123F57D7B55EA166BFC2"))
    }

    @Test("malformed input says what is wrong and where, with exit status 2")
    func inspectMalformed() async throws {
        let truncated = try await Self.run(["inspect", "--hex", "d500000001000100000000000000 3c42"])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains("TCP frame 1 at byte 0: truncated: 227 bytes expected, 16 present"))
        let zero = try await Self.run(["inspect", "--hex", "0000000001000100000000000300"])
        #expect(zero.status == 0)  // a PayloadSize-0 frame is shown (it is the HTTP idle answer's frame)
        #expect(zero.stdout.contains("PayloadSize 0"))
        let notHex = try await Self.run(["inspect", "--hex", "zz"])
        #expect(notHex.status == 2)
        let missing = try await Self.run(["inspect", "/nonexistent/file"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /nonexistent/file"))
    }

    @Test("run refuses bad input before anything connects, with exit status 2")
    func runBadInput() async throws {
        let profile = try await Self.run(["run", "--profile", "/nonexistent/p.yaml"])
        #expect(profile.status == 2)
        #expect(profile.stderr.contains("cannot read profile /nonexistent/p.yaml: no such file"))
        let threshold = try await Self.run(["run", "--threshold", "respnse.p99<1ms"])
        #expect(threshold.status == 2)
        #expect(threshold.stderr.contains("unknown metric or counter 'respnse'"))
        let duration = try await Self.run(["run", "--duration", "soon"])
        #expect(duration.status == 2)
        #expect(duration.stderr.contains("--duration soon: not a duration"))
        let processes = try await Self.run(["run", "--processes", "0"])
        #expect(processes.status == 2)
        let flag = try await Self.run(["run", "--no-such-flag"])
        #expect(flag.status == 2)
        #expect(flag.stderr.contains("Unknown option '--no-such-flag'"))
        let pool = try await Self.run(["run", "--identities", "/nonexistent/pool"])
        #expect(pool.status == 2)
        #expect(pool.stderr.contains("identity pool /nonexistent/pool: no manifest.json"))
    }

    @Test("--help documents every subcommand")
    func help() async throws {
        let result = try await Self.run(["--help"])
        #expect(result.status == 0)
        for command in ["run", "mp-sim", "identities", "inspect", "report"] {
            #expect(result.stdout.contains(command), "\(command)")
        }
    }

    @Test("shard processes get the parent's flags except the ones the parent owns")
    func forwardedArguments() {
        let forwarded = ShardedRun.forwardable([
            "--sessions", "100", "--processes", "4", "--output=runs/x", "--quiet", "--identities", "pool",
            "--rate", "50", "--prometheus", "127.0.0.1:9464",
        ])
        #expect(forwarded == ["--sessions", "100", "--rate", "50"])
    }

    @Test("local workers get their share of the cores as event loops, unless the user chose")
    func workerLoops() {
        let base = ["PATH": "/usr/bin"]
        func loops(count: Int, cores: Int) -> [Int] {
            (0..<count).map { Int(ShardedRun.workerEnvironment(base, index: $0, count: count, cores: cores)["NIO_SINGLETON_GROUP_LOOP_COUNT"]!)! }
        }
        #expect(loops(count: 21, cores: 2) == Array(repeating: 1, count: 21))
        #expect(loops(count: 4, cores: 16) == [4, 4, 4, 4])
        #expect(loops(count: 3, cores: 16) == [6, 5, 5])  // every core used
        #expect(loops(count: 9, cores: 16).reduce(0, +) == 16)
        #expect(loops(count: 101, cores: 16) == Array(repeating: 1, count: 101))
        let environment = ShardedRun.workerEnvironment(base, index: 0, count: 2, cores: 2)
        #expect(environment["PATH"] == "/usr/bin")
        #expect(ShardedRun.localWorkerCount(environment) == 2)
        #expect(ShardedRun.localWorkerCount(base) == nil)
        let chosen = ShardedRun.workerEnvironment(["NIO_SINGLETON_GROUP_LOOP_COUNT": "3"], index: 1, count: 8, cores: 2)
        #expect(chosen["NIO_SINGLETON_GROUP_LOOP_COUNT"] == "3")
    }
}
