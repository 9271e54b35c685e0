import Foundation
import Testing

/// The container image's entrypoint script (docker/entrypoint.sh), run with the built binary copied
/// into a bare directory, as the image holds it (`docker build` itself cannot run here).
@Suite("Container entrypoint")
struct ContainerEntrypointTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docker/entrypoint.sh")

    struct Outcome {
        var status: Int32
        var output: String
    }

    static func sh(_ arguments: [String], environment: [String: String], directory: URL) async throws -> Outcome {
        try await offPool { try shBlocking(arguments, environment: environment, directory: directory) }
    }

    static func shBlocking(_ arguments: [String], environment: [String: String], directory: URL) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = arguments
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        process.environment = env
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// The binary the image holds: `BGBFLEET_IMAGE_BINARY` when set (the stripped release build
    /// with a static Swift runtime that the Dockerfile makes; `scripts/check-image-binary.sh`),
    /// else the binary of this build.
    static let imageBinary: URL = ProcessInfo.processInfo.environment["BGBFLEET_IMAGE_BINARY"].map { URL(fileURLWithPath: $0) } ?? CLITests.binary

    /// A bare directory holding only the binary and the entrypoint.
    static func bareDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-bare-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A hard link where it can be: a copy is a file open for writing for a moment, and a
        // process another test forks meanwhile inherits that descriptor, so exec'ing the copy
        // fails with "Text file busy" (seen once).
        let binary = directory.appendingPathComponent("bgbfleet")
        do {
            try FileManager.default.linkItem(at: imageBinary, to: binary)
        } catch {
            try FileManager.default.copyItem(at: imageBinary, to: binary)
            usleep(200_000)
        }
        try FileManager.default.copyItem(at: script, to: directory.appendingPathComponent("bgbfleet-entrypoint"))
        return directory
    }

    @Test("the entrypoint runs the binary from a bare directory with the arguments given")
    func runsTheBinary() async throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let environment = ["BGBFLEET_BINARY": bare.appendingPathComponent("bgbfleet").path, "HOME": bare.path]
        let version = try await Self.sh(["bgbfleet-entrypoint", "--version"], environment: environment, directory: bare)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.contains("0.1.0"))
        let generate = try await Self.sh(
            ["bgbfleet-entrypoint", "identities", "generate", "--count", "2", "--key", "p256", "--out", "pool"],
            environment: environment, directory: bare
        )
        #expect(generate.status == 0, "\(generate.output)")
        #expect(FileManager.default.fileExists(atPath: bare.appendingPathComponent("pool/manifest.json").path))
        let bad = try await Self.sh(["bgbfleet-entrypoint", "run", "--sessions", "0"], environment: environment, directory: bare)
        #expect(bad.status == 2, "the binary's exit status is the container's")
    }

    @Test("the entrypoint raises the open-file soft limit to the hard limit")
    func raisesTheFileLimit() async throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let hard = try await Self.sh(["-c", "ulimit -H -n"], environment: [:], directory: bare).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(hard != "256", "the hard limit must be above the soft limit this test sets")
        // A shell started at a soft limit of 256 runs the entrypoint, whose "binary" prints the soft limit.
        let result = try await Self.sh(
            ["-c", "ulimit -S -n 256 && exec sh bgbfleet-entrypoint -c 'ulimit -S -n'"],
            environment: ["BGBFLEET_BINARY": "/bin/sh"], directory: bare
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == hard)
    }

    /// The entrypoint started as a container runtime starts PID 1: no signal blocked, SIGCHLD,
    /// SIGTERM and SIGINT at their defaults (a `Process` of the test runner would inherit the
    /// runner's blocked signals, and a shell that cannot see SIGCHLD waits for its child forever).
    /// Output goes to a file; stop it with ``finish(timeout:)``.
    final class Script {
        let pid: pid_t
        let log: URL

        init(_ arguments: [String], environment: [String: String], directory: URL) throws {
            log = directory.appendingPathComponent("entrypoint-\(UUID().uuidString.prefix(8)).log")
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var empty = sigset_t()
            sigemptyset(&empty)
            posix_spawnattr_setsigmask(&attributes, &empty)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGCHLD, SIGTERM, SIGINT] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            // The script by its path in `directory` (the other arguments are the binary's).
            let words: [String] = ["/bin/sh", directory.appendingPathComponent(arguments[0]).path] + arguments.dropFirst()
            let variables: [String] = ["PATH=/usr/bin:/bin"] + environment.map { "\($0.key)=\($0.value)" }
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
            defer { (argv + envp).forEach { free($0) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
            self.pid = pid
        }

        /// The raw wait status, once reaped.
        private var finished: Int32?

        var isRunning: Bool {
            guard finished == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            finished = status
            return false
        }

        func signal(_ number: Int32) { kill(pid, number) }

        /// Waits up to `timeout` for the exit (a hang is killed, so it fails the test instead of
        /// stalling the suite): the exit status (nil when it had to be killed), the output, the
        /// seconds waited.
        func finish(timeout: TimeInterval) async -> (status: Int32?, output: String, seconds: Double) {
            let started = Date()
            while isRunning, Date().timeIntervalSince(started) < timeout { try? await Task.sleep(for: .milliseconds(20)) }
            var result = finishBlocking(timeout: 0)
            result.seconds = Date().timeIntervalSince(started)
            return result
        }

        func finishBlocking(timeout: TimeInterval) -> (status: Int32?, output: String, seconds: Double) {
            let started = Date()
            while isRunning, Date().timeIntervalSince(started) < timeout { usleep(20_000) }
            var hung = false
            if isRunning {
                hung = true
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let code = finished.map { ($0 & 0x7f) == 0 ? ($0 >> 8) & 0xff : 128 + ($0 & 0x7f) }
            return (hung ? nil : code, output, Date().timeIntervalSince(started))
        }
    }

    @Test("BGBFLEET_WAIT_FOR_FETCH: the script outlives the binary until .fetched appears, then exits with the binary's status")
    func waitsForTheFetch() async throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let reports = bare.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        let environment = ["BGBFLEET_BINARY": "/bin/sh", "BGBFLEET_WAIT_FOR_FETCH": "60", "BGBFLEET_REPORT_DIR": reports.path]
        let script = try Script(["bgbfleet-entrypoint", "-c", "echo report > \(reports.path)/summary.txt; exit 3"],
                                environment: environment, directory: bare)
        // The "binary" has written its report and exited; the script still waits for the fetch.
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: reports.appendingPathComponent("summary.txt").path), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(script.isRunning, "the script must wait for the report to be fetched")
        FileManager.default.createFile(atPath: reports.appendingPathComponent(".fetched").path, contents: nil)
        let result = await script.finish(timeout: 20)
        #expect(result.status == 3, "the binary's status is the container's: \(result.output)")
        #expect(result.output.contains("bgbfleet exited with status 3; waiting up to 60s for the report"))
    }

    @Test("BGBFLEET_WAIT_FOR_FETCH: without a fetch the script exits after the time given; a bad value is refused with 2")
    func waitEndsAfterItsTime() async throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let environment = ["BGBFLEET_BINARY": "/bin/sh", "BGBFLEET_WAIT_FOR_FETCH": "2", "BGBFLEET_REPORT_DIR": bare.path]
        let result = try await Script(["bgbfleet-entrypoint", "-c", "exit 0"], environment: environment, directory: bare).finish(timeout: 30)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.seconds >= 1.9, "waited \(result.seconds) s")

        let bad = try await Self.sh(["bgbfleet-entrypoint", "-c", "exit 0"],
                              environment: ["BGBFLEET_BINARY": "/bin/sh", "BGBFLEET_WAIT_FOR_FETCH": "soon"], directory: bare)
        #expect(bad.status == 2)
        #expect(bad.output.contains("BGBFLEET_WAIT_FOR_FETCH=soon: not a number of seconds"))
    }

    @Test("BGBFLEET_WAIT_FOR_FETCH: SIGTERM to the script reaches the binary, whose status is kept")
    func forwardsSIGTERM() async throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let ready = bare.appendingPathComponent("ready")
        let environment = ["BGBFLEET_BINARY": "/bin/sh", "BGBFLEET_WAIT_FOR_FETCH": "1", "BGBFLEET_REPORT_DIR": bare.path]
        // The "binary" exits 143 on SIGTERM, as bgbfleet does after writing its report.
        let script = try Script(
            ["bgbfleet-entrypoint", "-c", "trap 'exit 143' TERM; touch \(ready.path); i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 0"],
            environment: environment, directory: bare
        )
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready.path), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        script.signal(SIGTERM)
        let result = await script.finish(timeout: 20)
        #expect(result.status == 143, "\(result.output)")
        #expect(result.seconds < 15, "the binary stopped on the forwarded signal (\(result.seconds) s)")
    }
}
