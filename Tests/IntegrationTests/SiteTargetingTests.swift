import BGBProtocol
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import Logging
import MPSimulator
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Triggers against a site that holds more than the fleet (mp-sim with foreign clients): only the
/// fleet is targeted, and delivery counts each targeted fleet session once, across shards.
@Suite("Site targeting end to end", .serialized)
struct SiteTargetingTests {
    /// A pool of P-256 identities of its own, made without blocking a thread of the cooperative pool.
    static let pool = PoolBox()

    actor PoolBox {
        private var source: PoolIdentitySource?

        func get() async throws -> PoolIdentitySource {
            if let source { return source }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-site-pool-\(getpid())")
            try? FileManager.default.removeItem(at: directory)
            var pool = try IdentityPool.create(at: directory, keyType: .p256, chunkSize: 64)
            try await pool.generate(count: 40)
            let made = try PoolIdentitySource(pool: pool, range: 0..<40)
            source = made
            return made
        }
    }

    struct Site {
        let simulator: MPSimulator
        let bound: MPSimulator.BoundAddresses
        var adminURL: String { "http://127.0.0.1:\(bound.admin!.port!)" }
        var client: AdminServiceClient { try! AdminServiceClient(baseURL: adminURL, group: MultiThreadedEventLoopGroup.singleton) }
    }

    static func site(fleet: Int, foreign: Int) async throws -> Site {
        let identities = try await pool.get()
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-engine-sim")
        configuration.identityCheck = .strict
        configuration.foreignClients = foreign
        let (simulator, bound) = try await startQuietSimulator(configuration)
        // Foreign clients first: the fleet's ResourceIDs are not the first ones, as on a real site.
        simulator.registerClients(
            try identities.identities.prefix(fleet).map {
                MPSimulator.PreRegistration(smsID: try SMSID($0.smsid.rawValue), certificateDER: $0.smsCertificate.certificateDER)
            }
        )
        return Site(simulator: simulator, bound: bound)
    }

    static func smsIDs(_ count: Int) async throws -> [String] { try await pool.get().identities.prefix(count).map(\.smsid.rawValue) }

    @Test("mp-sim answers SMS_R_System by SMSUniqueIdentifier ($filter/$select, in batches); the IDs are cached in the pool; DELETE removes a record")
    func resolveCacheDelete() async throws {
        let site = try await Self.site(fleet: 35, foreign: 10)
        defer { Task { try await site.simulator.shutdown() } }
        let smsIDs = try await Self.smsIDs(35) + [SMSID.random().rawValue]  // one the site does not know
        let (resources, asked) = try await FleetResources(adminService: site.adminURL).resolvingMissing(smsIDs: smsIDs, client: site.client)
        #expect(asked == 36)
        let ids = resources.resourceIDs(for: smsIDs)
        #expect(ids.last! == nil)
        for (index, smsID) in smsIDs.prefix(35).enumerated() {
            #expect(ids[index].map(Int.init) == site.simulator.resourceID(for: try SMSID(smsID)))
        }
        // Cached in the pool, per site; a second resolution asks for the unknown one only.
        let pool = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-site-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: pool, withIntermediateDirectories: true)
        try resources.save(in: pool)
        let cached = try FleetResources.cached(in: pool, adminService: site.adminURL + "/")
        #expect(cached.resourceIDs(for: smsIDs) == ids)
        #expect(try FleetResources.cached(in: pool, adminService: "http://other.example.com").entries.isEmpty)
        #expect(try await cached.resolvingMissing(smsIDs: smsIDs, client: site.client).asked == 1)
        // The online view and the delete.
        let first = try #require(ids[0])
        #expect(try await site.client.onlineResourceIDs([first]).isEmpty)
        try await site.client.deleteSystemResource(first)
        #expect(try await site.client.systemResources(smsUniqueIdentifiers: [smsIDs[0]]).isEmpty)
        await #expect(throws: AdminServiceError.self) { try await site.client.deleteSystemResource(first) }
    }

    @Test(
        "with N shards against one MP that has foreign clients, pushes_targeted counts each targeted fleet session once per trigger: 100 % delivery, foreign clients never reached",
        arguments: [1, 2, 3]
    )
    func exactDeliveryAcrossShards(shards: Int) async throws {
        let fleet = 30
        let foreign = 25
        let site = try await Self.site(fleet: fleet, foreign: foreign)
        // The old count: the MP's online clients of SMS00001 are the fleet and the foreign ones.
        #expect(try site.simulator.onlineCount() == foreign)
        let smsIDs = try await Self.smsIDs(fleet)
        let resolved = try await FleetResources(adminService: site.adminURL).resolvingMissing(smsIDs: smsIDs, client: site.client).resources
        var profile = FleetProfile()
        profile.sessions = fleet
        profile.arrival = .rate(300)
        profile.duration = 5_000_000_000
        profile.triggers = [
            FleetProfile.Trigger(at: 2_500_000_000, type: 8),  // all: the fleet, scoped by SMS00001
            FleetProfile.Trigger(at: 3_500_000_000, type: 8, targets: .fraction(0.5)),
        ]
        let plans = try TriggerPlan.resolve(
            profile.triggers, sessionCount: fleet, resourceIDs: resolved.resourceIDs(for: smsIDs),
            policy: TriggerPlan.Policy(guardsBuiltInCollections: true)
        )
        let runStart = Int64(Date().timeIntervalSince1970 * 1e9) + 300_000_000
        let target = FleetTarget(host: "127.0.0.1", tcpAddress: site.bound.tls, adminURL: site.adminURL)
        let summaries = try await withThrowingTaskGroup(of: RunSummary.self) { group in
            for shard in 0..<shards {
                let options = FleetEngine.Options(
                    profile: profile,
                    target: target,
                    identities: try await Self.pool.get(),
                    reportDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-site-run-\(UUID().uuidString)"),
                    liveView: nil,
                    log: { _ in },
                    triggers: plans
                ).sharded(shard: shard, count: shards, runStartEpochNanoseconds: runStart, firesTriggers: shard == 0)
                let engine = try FleetEngine(options: options, group: MultiThreadedEventLoopGroup.singleton)
                group.addTask { try await engine.run() }
            }
            var all: [RunSummary] = []
            for try await summary in group { all.append(summary) }
            return all
        }
        let operations = site.simulator.operationStatuses()
        try await site.simulator.shutdown()

        let targeted = summaries.reduce(0) { $0 + $1.counters[.pushesTargeted] }
        let answered = summaries.reduce(0) { $0 + $1.counters[.responsesSent] }
        #expect(targeted == UInt64(fleet + fleet / 2), "shards \(shards)")
        #expect(answered == targeted)
        #expect(summaries.reduce(0) { $0 + $1.counters[.pushesReceived] } == targeted)
        // The MP saw the fleet's ResourceIDs only: no foreign client was a target.
        #expect(operations.map(\.totalClients).sorted() == [fleet / 2, fleet])
        #expect(operations.allSatisfy { $0.completedClients == $0.totalClients })
    }

    @Test("the MP's own view: SMS_CN_ClientStatus for the fleet's ResourceIDs is polled into mp_online, next to signed_in")
    func mpOnline() async throws {
        let fleet = 20
        let site = try await Self.site(fleet: fleet, foreign: 10)
        let smsIDs = try await Self.smsIDs(fleet)
        let ids = try await FleetResources(adminService: site.adminURL).resolvingMissing(smsIDs: smsIDs, client: site.client)
            .resources.resourceIDs(for: smsIDs).compactMap { $0 }
        #expect(ids.count == fleet)
        var profile = FleetProfile()
        profile.sessions = fleet
        profile.arrival = .rate(400)
        profile.duration = 4_000_000_000
        profile.mpOnlinePoll = 1_000_000_000
        let client = site.client
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-site-online-\(UUID().uuidString)")
        let lines = LockedLines()
        let engine = try FleetEngine(
            options: .init(
                profile: profile,
                target: FleetTarget(host: "127.0.0.1", tcpAddress: site.bound.tls, adminURL: site.adminURL),
                identities: try await Self.pool.get(),
                reportDirectory: directory,
                liveView: { line, _ in lines.append(line) },
                log: { _ in },
                mpOnlineSource: { try await client.onlineResourceIDs(ids).count }
            ),
            group: MultiThreadedEventLoopGroup.singleton
        )
        let summary = try await engine.run()
        try await site.simulator.shutdown()
        let table = try CSVTable(parsing: String(contentsOf: directory.appendingPathComponent("intervals.csv"), encoding: .utf8))
        let rows = table.records.filter { $0["metric"] == "response" }
        #expect(table.header.suffix(2) == ["signed_in", "mp_online"])
        // Once everyone signed in, the MP counts the fleet (and not its 10 foreign clients).
        #expect(rows.dropLast().last?["mp_online"] == String(fleet))
        #expect(rows.dropLast().last?["signed_in"] == String(fleet))
        #expect(summary.plan["mp_online"]?.hasPrefix("\(fleet) of \(fleet) online at the MP") == true)
        #expect(lines.values.contains { $0.hasSuffix("| MP online \(fleet)") })
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var values: [String] { lock.withLock { lines } }
}
