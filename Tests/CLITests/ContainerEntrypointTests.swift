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

    static func sh(_ arguments: [String], environment: [String: String], directory: URL) throws -> Outcome {
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

    /// A bare directory holding only the binary and the entrypoint.
    static func bareDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-bare-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLITests.binary, to: directory.appendingPathComponent("bgbfleet"))
        try FileManager.default.copyItem(at: script, to: directory.appendingPathComponent("bgbfleet-entrypoint"))
        return directory
    }

    @Test("the entrypoint runs the binary from a bare directory with the arguments given")
    func runsTheBinary() throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let environment = ["BGBFLEET_BINARY": bare.appendingPathComponent("bgbfleet").path, "HOME": bare.path]
        let version = try Self.sh(["bgbfleet-entrypoint", "--version"], environment: environment, directory: bare)
        #expect(version.status == 0, "\(version.output)")
        #expect(version.output.contains("0.1.0"))
        let generate = try Self.sh(
            ["bgbfleet-entrypoint", "identities", "generate", "--count", "2", "--key", "p256", "--out", "pool"],
            environment: environment, directory: bare
        )
        #expect(generate.status == 0, "\(generate.output)")
        #expect(FileManager.default.fileExists(atPath: bare.appendingPathComponent("pool/manifest.json").path))
        let bad = try Self.sh(["bgbfleet-entrypoint", "run", "--sessions", "0"], environment: environment, directory: bare)
        #expect(bad.status == 2, "the binary's exit status is the container's")
    }

    @Test("the entrypoint raises the open-file soft limit to the hard limit")
    func raisesTheFileLimit() throws {
        let bare = try Self.bareDirectory()
        defer { try? FileManager.default.removeItem(at: bare) }
        let hard = try Self.sh(["-c", "ulimit -H -n"], environment: [:], directory: bare).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(hard != "256", "the hard limit must be above the soft limit this test sets")
        // A shell started at a soft limit of 256 runs the entrypoint, whose "binary" prints the soft limit.
        let result = try Self.sh(
            ["-c", "ulimit -S -n 256 && exec sh bgbfleet-entrypoint -c 'ulimit -S -n'"],
            environment: ["BGBFLEET_BINARY": "/bin/sh"], directory: bare
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == hard)
    }
}
