import FleetEngine
import FleetMetrics
import Testing

@Suite("Plan, arrival, backoff, preflight")
struct PlanTests {
    @Test("durations")
    func durations() {
        #expect(DurationText.nanoseconds("250ms") == 250_000_000)
        #expect(DurationText.nanoseconds("15m") == 900_000_000_000)
        #expect(DurationText.nanoseconds("1.5s") == 1_500_000_000)
        #expect(DurationText.nanoseconds("2") == 2_000_000_000)
        #expect(DurationText.nanoseconds("1h") == 3_600_000_000_000)
        #expect(DurationText.nanoseconds("-1s") == nil)
        #expect(DurationText.nanoseconds("soon") == nil)
        #expect(DurationText.format(900_000_000_000) == "15m")
    }

    @Test("source addresses round-robin over the ranges")
    func sourceAddresses() throws {
        let plan = FleetPlan(
            sessionCount: 10,
            arrival: .rate(100),
            sourceAddressRanges: [try SourceAddressRange("127.0.0.1-127.0.0.3"), try SourceAddressRange("127.0.1.9")]
        )
        #expect((0..<5).map { plan.entry($0).sourceAddress } == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.1.9", "127.0.0.1"])
        #expect(plan.sessionsPerSourceAddress == 3)
        #expect(plan.entry(7).identityIndex == 7)
        #expect(throws: FleetConfigurationError.self) { try SourceAddressRange("127.0.0.300") }
    }

    @Test("arrival: a rate and a ramp, measured from the run start")
    func arrival() {
        #expect(ArrivalSchedule.rate(100).offset(of: 50, count: 100) == 500_000_000)
        #expect(ArrivalSchedule.ramp(nanoseconds: 10_000_000_000).offset(of: 50, count: 100) == 5_000_000_000)
        #expect(ArrivalSchedule.ramp(nanoseconds: 10_000_000_000).rampDuration(count: 1) == 0)
    }

    @Test("shards split the fleet deterministically and disjointly")
    func shards() {
        let slices = (0..<3).map { FleetPlan(sessionCount: 10, arrival: .rate(1), sourceAddressRanges: [], shard: $0, shardCount: 3).slice }
        #expect(slices == [0..<4, 4..<8, 8..<10])
    }

    @Test("backoff: first delay spread, then decorrelated jitter within base and cap; storm and none")
    func backoff() {
        var random = FleetRandom(seed: 1)
        let policy = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 60_000_000_000, base: 5_000_000_000, cap: 900_000_000_000)
        var previous: UInt64 = 0
        for attempt in 1...50 {
            let delay = policy.delay(attempt: attempt, previous: previous, using: &random)!
            if attempt == 1 {
                #expect(delay <= 60_000_000_000)
            } else {
                #expect(delay >= 5_000_000_000 && delay <= 900_000_000_000)
                #expect(delay <= max(5_000_000_000, previous * 3))
            }
            previous = delay
        }
        #expect(ReconnectPolicy(mode: .storm).delay(attempt: 3, previous: 9, using: &random) == 0)
        #expect(ReconnectPolicy(mode: .none).delay(attempt: 1, previous: 0, using: &random) == nil)
    }

    @Test("handling times stay within their distribution")
    func handling() {
        var random = FleetRandom(seed: 7)
        for _ in 0..<1000 {
            let value = HandlingTime.uniform(minimum: 10, maximum: 20).sample(using: &random)
            #expect(value >= 10 && value <= 20)
        }
        let samples = (0..<4001).map { _ in HandlingTime.lognormal(median: 1_000_000, sigma: 0.5).sample(using: &random) }.sorted()
        #expect(samples[2000] > 900_000 && samples[2000] < 1_100_000)
    }

    @Test("--processes auto: the fewest processes the file limit allows, both ends counted when the simulator is embedded")
    func processesNeeded() {
        // 20,000 files, 64 for the process itself: 19,936 sockets.
        #expect(Preflight.sessionsPerProcess(embedded: false, fileLimit: 20_000) == 19_936)
        #expect(Preflight.sessionsPerProcess(embedded: true, fileLimit: 20_000) == 9_968)
        #expect(Preflight.sessionsPerProcess(embedded: false, fileLimit: 20_000, connectionsPerSession: 2) == 9_968)
        #expect(Preflight.processesNeeded(sessions: 19_936, embedded: false, fileLimit: 20_000) == 1)
        #expect(Preflight.processesNeeded(sessions: 19_937, embedded: false, fileLimit: 20_000) == 2)
        #expect(Preflight.processesNeeded(sessions: 200_000, embedded: true, fileLimit: 20_000) == 21)
        #expect(Preflight.processesNeeded(sessions: 1_000_000, embedded: false, fileLimit: 20_000) == 51)
        #expect(Preflight.processesNeeded(sessions: 1, embedded: true, fileLimit: 10) == 1)
        // Whatever it says fits the check.
        for sessions in [1, 9_968, 9_969, 123_457, 200_000] {
            let processes = Preflight.processesNeeded(sessions: sessions, embedded: true, fileLimit: 20_000)
            #expect(throws: Never.self) {
                try Preflight.check(sessions: sessions, processes: processes, sessionsPerSourceAddress: 1, embedded: true, identities: nil, fileLimit: 20_000)
            }
        }
    }

    @Test("preflight refuses what the file limit or the port range cannot hold, with the numbers")
    func preflight() throws {
        do {
            _ = try Preflight.check(sessions: 30_000, processes: 1, sessionsPerSourceAddress: 1, embedded: false, identities: nil, fileLimit: 20_000)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("30000 sessions need 30064 files; the limit is 20000: use --processes 2"))
        }
        do {
            _ = try Preflight.check(sessions: 12_000, processes: 1, sessionsPerSourceAddress: 1, embedded: true, identities: nil, fileLimit: 20_000)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("12000 sessions (2 sockets each with the embedded simulator) need 24064 files"))
        }
        do {
            _ = try Preflight.check(sessions: 100, processes: 1, sessionsPerSourceAddress: 1_000_000, embedded: false, identities: nil, fileLimit: 20_000)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("--source-address"))
        }
        do {
            _ = try Preflight.check(sessions: 100, processes: 1, sessionsPerSourceAddress: 100, embedded: false, identities: 50, fileLimit: 20_000)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("the pool has 50"))
        }
        let report = try Preflight.check(sessions: 30_000, processes: 2, sessionsPerSourceAddress: 5_000, embedded: false, identities: 30_000, fileLimit: 20_000)
        #expect(report.filesNeeded == 15_064)
    }
}
