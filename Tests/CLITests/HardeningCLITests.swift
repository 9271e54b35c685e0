import FleetMetrics
import Foundation
import Testing
import ZlibSupport

/// Exit codes that tell the truth, flags checked before anything starts, typed option values,
/// and bad report files answered with exit 2.
@Suite("Command line hardening", .serialized)
struct HardeningCLITests {
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("fixed-set option values are typed: --help lists them, anything else is exit 2")
    func typedValues() async throws {
        // --help wraps its lines: compare with the whitespace collapsed.
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let help = try await CLITests.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(flat(help.stdout).contains("(values: 1.0, 1.1, 1.2, 1.3)"))
        #expect(flat(help.stdout).contains("(values: tcp, http)"))
        #expect(help.stdout.contains("--signin-timeout"))
        #expect(flat(help.stdout).contains("(values: trace, debug, info, notice, warning, error, critical; default: warning)"))
        let tls = try await CLITests.run(["run", "--tls", "9.9"])
        #expect(tls.status == 2)
        #expect(tls.stderr.contains("'1.2'"))
        let simHelp = try await CLITests.run(["mp-sim", "--help"])
        #expect(flat(simHelp.stdout).contains("(values: lenient, strict)"))
        #expect(flat(simHelp.stdout).contains("(values: rsa2048, p256)"))
        let check = try await CLITests.run(["mp-sim", "--identity-check", "sloppy"])
        #expect(check.status == 2)
        #expect(check.stderr.contains("'strict'"))
    }

    @Test("--prometheus is checked before the pool loads or the simulator starts")
    func prometheusFirst() async throws {
        let bad = try await CLITests.run(["run", "--identities", "/nonexistent/pool", "--prometheus", "nonsense"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--prometheus nonsense: expected ADDR:PORT"))
        let unresolvable = try await CLITests.run(["run", "--identities", "/nonexistent/pool", "--prometheus", "no.such.host.invalid:9464"])
        #expect(unresolvable.status == 2)
        #expect(unresolvable.stderr.contains("--prometheus no.such.host.invalid:9464: cannot resolve"))
    }

    @Test("processes: in a profile counts like --processes")
    func profileProcesses() async throws {
        let directory = try Self.temporaryDirectory("processes")
        defer { try? FileManager.default.removeItem(at: directory) }
        let profile = directory.appendingPathComponent("three.yaml")
        try "processes: 3\nsessions: 3\n".write(to: profile, atomically: true, encoding: .utf8)
        let pool = directory.appendingPathComponent("pool").path
        let generated = try await CLITests.run(["identities", "generate", "--count", "3", "--key", "p256", "--identities", pool])
        #expect(generated.status == 0, "\(generated.stderr)")
        // The dry run shows the plan split as the profile asks: three worker slices.
        let result = try await CLITests.run(["run", "--profile", profile.path, "--identities", pool, "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("shard 3/3  sessions and identities 2..<3 (1)"))
        #expect(!result.stdout.contains("shard 4/"))
        // --processes wins over the profile.
        let flag = try await CLITests.run(["run", "--profile", profile.path, "--identities", pool, "--dry-run", "--processes", "1"])
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(!flag.stdout.contains("shard 2/"))
        // auto: as few as the file limit allows (three sessions fit one process anywhere).
        let auto = try await CLITests.run(["run", "--profile", profile.path, "--identities", pool, "--dry-run", "--processes", "auto"])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stderr.contains("--processes auto: 1 process (open-file limit"), "\(auto.stderr)")
        #expect(!auto.stdout.contains("shard 2/"))
        let bad = try await CLITests.run(["run", "--processes", "many"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("many"))
    }

    @Test("the pool flag is --identities everywhere; --out still works")
    func identitiesFlag() async throws {
        let directory = try Self.temporaryDirectory("pool")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = directory.appendingPathComponent("pool").path
        let generated = try await CLITests.run(["identities", "generate", "--count", "2", "--key", "p256", "--identities", pool])
        #expect(generated.status == 0, "\(generated.stderr)")
        let listed = try await CLITests.run(["identities", "list", "--out", pool])
        #expect(listed.status == 0, "\(listed.stderr)")
        let help = try await CLITests.run(["identities", "list", "--help"])
        #expect(help.stdout.contains("--identities"))
    }

    /// A report directory of an empty run, written by the library.
    static func reportDirectory() throws -> URL {
        let directory = try temporaryDirectory("report")
        let writer = try RunReportWriter(directory: directory, startTime: Date(timeIntervalSince1970: 1_700_000_000))
        _ = try writer.finish(counters: CounterSnapshot(), endTime: Date(timeIntervalSince1970: 1_700_000_010), plan: [:], sessions: [], pushes: [])
        return directory
    }

    @Test("report show: a crafted .hlog or summary.json is exit 2 naming the file and the place")
    func badReportFiles() async throws {
        let directory = try Self.reportDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try await CLITests.run(["report", "show", directory.path]).status == 0)

        // A zero run of Int64.min slots (an all-0xFF LEB128 value): it trapped the reader.
        var uncompressed: [UInt8] = [0x1C, 0x84, 0x93, 0x13, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3,
                                     0, 0, 0, 0, 0, 0, 0x03, 0xE8, 0, 0, 0x03, 0x46, 0x30, 0xB8, 0xA0, 0x00,
                                     0x3F, 0xF0, 0, 0, 0, 0, 0, 0]
        uncompressed += [UInt8](repeating: 0xFF, count: 9)
        let hlog = directory.appendingPathComponent("response.hlog")
        try "#[StartTime: 1700000000.000]\n0.000,1.000,0.0,\(try Self.compressedBase64(uncompressed))\n"
            .write(to: hlog, atomically: true, encoding: .utf8)
        let crafted = try await CLITests.run(["report", "show", directory.path])
        #expect(crafted.status == 2)
        #expect(crafted.stderr.contains("response.hlog"))
        #expect(crafted.stderr.contains("line 2"))

        try "#[StartTime: 1700000000.000]\nnan,1.000,0.0,\(try HistogramSnapshot().encodeCompressedBase64())\n"
            .write(to: hlog, atomically: true, encoding: .utf8)
        let nan = try await CLITests.run(["report", "show", directory.path])
        #expect(nan.status == 2)
        #expect(nan.stderr.contains("response.hlog"))

        let fresh = try Self.reportDirectory()
        defer { try? FileManager.default.removeItem(at: fresh) }
        let summaryURL = fresh.appendingPathComponent("summary.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as! [String: Any]
        var generator = object["generator"] as! [String: Any]
        generator["loop_lag_p99_ms"] = -1
        object["generator"] = generator
        try JSONSerialization.data(withJSONObject: object).write(to: summaryURL)
        let summary = try await CLITests.run(["report", "show", fresh.path])
        #expect(summary.status == 2)
        #expect(summary.stderr.contains("summary.json"))
        #expect(summary.stderr.contains("loop_lag_p99_ms"))
    }

    /// The compressed V2 form (cookie, length, zlib) of an uncompressed V2 encoding, in Base64.
    static func compressedBase64(_ uncompressed: [UInt8]) throws -> String {
        let deflated = Zlib.compress(uncompressed, level: 9)
        var bytes: [UInt8] = [0x1C, 0x84, 0x93, 0x14]
        bytes += withUnsafeBytes(of: UInt32(deflated.count).bigEndian, Array.init)
        return Data(bytes + deflated).base64EncodedString()
    }
}
