import BGBProtocol
import FleetIdentity
import Foundation
import Logging
import MPSimulator
import NIOPosix
import TestSupport
import Testing

/// `bgbfleet run --mp` as a user runs it against a site: mp-sim in this process, with foreign
/// clients (members of SMS00001 outside the fleet), the binary in another.
@Suite("Real site from the command line", .serialized)
struct RealSiteCLITests {
    /// A P-256 pool of 40 identities, made once with the binary.
    static let pool: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-site-pool-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        let result = try! CLITests.run(["identities", "generate", "--count", "40", "--out", directory, "--key", "p256"], timeout: 300)
        precondition(result.status == 0, result.stderr)
        return directory
    }()

    struct Site {
        let simulator: MPSimulator
        let bound: MPSimulator.BoundAddresses
        var port: String { String(bound.tls.port!) }
        var adminURL: String { "http://127.0.0.1:\(bound.admin!.port!)" }
    }

    /// mp-sim with the pool's first `fleet` clients registered and `foreign` others online.
    static func site(fleet: Int = 40, foreign: Int = 15) async throws -> Site {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-cli-sim")
        configuration.identityCheck = .strict
        configuration.foreignClients = foreign
        let (simulator, bound) = try await startQuietSimulator(configuration)
        let identities = try IdentityPool.open(at: URL(fileURLWithPath: pool)).load(range: 0..<fleet)
        simulator.registerClients(
            try identities.map { MPSimulator.PreRegistration(smsID: try SMSID($0.smsid.rawValue), certificateDER: $0.certificateDER) }
        )
        return Site(simulator: simulator, bound: bound)
    }

    static func profile(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-site-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func output() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-cli-site-run-\(UUID().uuidString)").path
    }

    @Test("finding 1: run --mp with no profile and no trigger URL uses the built-in real-mp default and exits 0 against a healthy MP")
    func realMPDefaultExitsZero() async throws {
        let site = try await Self.site()
        defer { Task { try await site.simulator.shutdown() } }
        let result = try CLITests.run(
            ["run", "--mp", "127.0.0.1", "--port", site.port, "--identities", Self.pool, "--sessions", "20", "--rate", "100",
             "--duration", "3s", "--quiet", "--output", Self.output()],
            timeout: 120
        )
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("(real-mp)"))
        #expect(result.stdout.contains("PASS    errors.tls==0"))
        #expect(!result.stdout.contains("delivery>="))
        #expect(site.simulator.operationStatuses().isEmpty)  // nothing was sent to the site's clients
    }

    @Test("finding 3: a trigger on a whole built-in collection with --mp is refused before anything connects (exit 2), unless --allow-site-wide-triggers")
    func siteWideTriggerRefused() async throws {
        let site = try await Self.site()
        defer { Task { try await site.simulator.shutdown() } }
        let profile = try Self.profile("sessions: 20\nduration: 3s\ntriggers:\n  - {at: 1s, type: 8, targets: collection}\n")
        let refused = try CLITests.run(
            ["run", "--profile", profile, "--mp", "127.0.0.1", "--port", site.port, "--trigger-url", site.adminURL,
             "--identities", Self.pool, "--quiet", "--output", Self.output()]
        )
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("SMS00001 is a built-in collection"))
        #expect(refused.stderr.contains("--allow-site-wide-triggers"))
        #expect(site.simulator.counters().connectionsAcceptedTCP == 0)
        // Triggers with --mp and no AdminService to resolve the fleet: refused too.
        let noURL = try CLITests.run(["run", "--mp", "127.0.0.1", "--port", site.port, "--profile", try Self.profile("sessions: 5\ntriggers:\n  - {at: 1s}\n"), "--identities", Self.pool])
        #expect(noURL.status == 2)
        #expect(noURL.stderr.contains("give --trigger-url"))
        // Allowed when asked for (the dry run shows it).
        let allowed = try CLITests.run(
            ["run", "--profile", profile, "--mp", "127.0.0.1", "--port", site.port, "--trigger-url", site.adminURL,
             "--identities", Self.pool, "--allow-site-wide-triggers", "--dry-run"]
        )
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("every member of collection SMS00001"))
    }

    @Test("--dry-run resolves the plan and the fleet's targets, opens no connection to the MP and fires nothing")
    func dryRun() async throws {
        let site = try await Self.site()
        defer { Task { try await site.simulator.shutdown() } }
        let profile = try Self.profile(
            "sessions: 30\nduration: 20s\ntriggers:\n  - {at: 5s, every: 5s, type: 8}\n  - {at: 7s, type: 8, targets: {fraction: 0.5}}\nthresholds: [delivery>=99%]\n"
        )
        let pool = Self.pool
        let result = try CLITests.run(
            ["run", "--profile", profile, "--mp", "127.0.0.1", "--port", site.port, "--trigger-url", site.adminURL,
             "--identities", pool, "--processes", "2", "--dry-run"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("dry run: nothing connects to the MP"))
        #expect(result.stdout.contains("30 of 30 resolved"))
        #expect(result.stdout.contains("30 ResourceIDs of the fleet (30 sessions), scoped by collection SMS00001"))
        #expect(result.stdout.contains("15 ResourceIDs of the fleet (15 sessions)"))
        #expect(result.stdout.contains("shard 2/2") && result.stdout.contains("15..<30"))
        #expect(result.stdout.contains("delivery>=99%"))
        let counters = site.simulator.counters()
        #expect(counters.connectionsAcceptedTCP == 0 && counters.connectionsAcceptedHTTP == 0)
        #expect(counters.operations == 0)
        #expect(FileManager.default.fileExists(atPath: pool + "/site-resources.json"))
        // The same errors as a real start: exit 2.
        let tooMany = try CLITests.run(["run", "--mp", "127.0.0.1", "--port", site.port, "--identities", pool, "--sessions", "41", "--dry-run"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("41 identities"))
    }

    @Test(
        "finding 2: --processes N with --mp and foreign clients targets exactly the fleet once per trigger, 100 % delivered",
        arguments: [2, 3]
    )
    func exactDeliveryWithProcesses(processes: Int) async throws {
        let site = try await Self.site(fleet: 30, foreign: 20)
        defer { Task { try await site.simulator.shutdown() } }
        let profile = try Self.profile(
            "sessions: 30\nrate: 200\nduration: 8s\ntriggers:\n  - {at: 2s, every: 1s, count: 2, type: 8}\nthresholds: [delivery>=100%, delivery<=100%]\n"
        )
        let output = Self.output()
        let result = try CLITests.run(
            ["run", "--profile", profile, "--mp", "127.0.0.1", "--port", site.port, "--trigger-url", site.adminURL,
             "--identities", Self.pool, "--processes", String(processes), "--quiet", "--output", output],
            timeout: 180
        )
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("pushes_targeted=60 "), "\(result.stdout)")
        #expect(result.stdout.contains("delivery: 100.000%"))
        let operations = site.simulator.operationStatuses()
        #expect(operations.map(\.totalClients) == [30, 30])  // the fleet's ResourceIDs, no foreign client
    }

    @Test("identities cleanup lists the pool's own device records and deletes them only with --yes; the site's other clients stay")
    func cleanup() async throws {
        let site = try await Self.site(fleet: 12, foreign: 8)
        defer { Task { try await site.simulator.shutdown() } }
        let listed = try CLITests.run(["identities", "cleanup", "--trigger-url", site.adminURL, "--identities", Self.pool])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("12 of the pool's 40 clients have a device record"))
        #expect(listed.stdout.contains("nothing deleted: run again with --yes"))
        #expect(site.simulator.clientStatus().count == 20)
        let deleted = try CLITests.run(["identities", "cleanup", "--trigger-url", site.adminURL, "--identities", Self.pool, "--yes"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("deleted 12 of 12 device records"))
        let left = site.simulator.clientStatus()
        #expect(left.count == 8)  // the foreign clients, untouched
        #expect(left.allSatisfy { $0.onlineStatus == 1 })
        let again = try CLITests.run(["identities", "cleanup", "--trigger-url", site.adminURL, "--identities", Self.pool, "--yes"])
        #expect(again.stdout.contains("0 of the pool's 40 clients have a device record"))
    }
}
