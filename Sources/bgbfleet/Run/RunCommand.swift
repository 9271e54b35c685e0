import ArgumentParser
import BGBClient
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import Logging
import MPSimulator
import NIOCore
import NIOPosix

/// `bgbfleet run`: the main job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive a fleet of simulated ConfigMgr clients against an MP (or the embedded simulator) and measure it.",
        discussion: """
            Without --mp, the MP simulator starts in this process on 127.0.0.1 (real sockets, real \
            mutual TLS) and the fleet runs against it; identities come from a default pool in the user's \
            cache directory, generated on first use. Without --profile, the built-in smoke profile runs \
            (500 sessions, three policy pushes, about a minute). Every flag overrides the profile.

            Output: a live line every second, a summary table and the threshold table at the end, and \
            the report directory (default runs/<timestamp>/): intervals.csv, summary.csv, summary.json, \
            sessions.csv, pushes.csv and one HdrHistogram interval log (.hlog) per latency metric.

            Exit status: 0 all thresholds passed, 99 a threshold failed, 2 bad usage or input \
            (including a plan this machine cannot hold), 1 the run itself failed.
            """
    )

    @Option(help: "A YAML profile (see profiles/). Default: the built-in smoke profile.")
    var profile: String?

    @Option(help: "The MP's host name or address. Default: the embedded MP simulator on 127.0.0.1.")
    var mp: String?

    @Option(help: "The MP's client-notification TCP port (default 10123).")
    var port: Int?

    @Option(help: "The MP's HTTP port for /bgb/handler.ashx (default 80; 443 means HTTPS): --transport http, and the TCP → HTTP fallback.")
    var httpPort: Int?

    @Option(help: "The transport every session starts with: tcp (default; falls back to HTTP after reconnect.http-fallback-after TCP failures) or http (the long-poll fallback only).")
    var transport: String?

    @Option(help: "Number of sessions.")
    var sessions: Int?

    @Option(help: "Arrival rate, sessions per second.")
    var rate: Double?

    @Option(help: "Arrival as a linear ramp over this duration (e.g. 30s), instead of --rate.")
    var ramp: String?

    @Option(help: "How long the run lasts (e.g. 60s, 10m).")
    var duration: String?

    @Option(help: "Keep-alive interval (default 15m, as ConfigMgr).")
    var keepalive: String?

    @Option(help: "TLS version: 1.0, 1.1, 1.2 (default) or 1.3.")
    var tls: String?

    @Option(help: "The identity pool directory. Default: a pool in the user's cache directory, generated on first use.")
    var identities: String?

    @Option(help: "Source address range, e.g. 127.0.0.1-127.0.0.8 (repeatable).")
    var sourceAddress: [String] = []

    @Option(help: "Handling time before each Response (e.g. 0ms, 50ms).")
    var handlingTime: String?

    @Option(help: "The ReturnCode of Responses (default 1).")
    var returnCode: Int32?

    @Option(help: "The AdminService base URL for triggers (default: the embedded simulator's).")
    var triggerURL: String?

    @Option(help: "A threshold such as response.p99<250ms or delivery>=99.9% (repeatable; adds to the profile's).")
    var threshold: [String] = []

    @Option(help: "The report directory (default runs/<timestamp>).")
    var output: String?

    @Option(help: "Serve live counters and latency quantiles as Prometheus metrics on ADDR:PORT (GET /metrics).")
    var prometheus: String?

    @Option(help: "Run the plan as N worker processes on this host (identities and source addresses split), coordinated as a multi-host run is, with one merged live view and report: how one machine gets past its per-process file limit. Without --mp every process runs its own embedded simulator.")
    var processes: Int?

    @OptionGroup(title: "Many hosts")
    var coordination: CoordinationOptions

    @Flag(help: "No live line.")
    var quiet = false

    @Option(help: .hidden)
    var shard: String?

    @Option(help: .hidden)
    var runStart: Int64?

    /// A worker's slice pool: it holds sessions from this index on (`worker --generate-identities`).
    @Option(help: .hidden)
    var identityOffset: Int?

    /// `--shard i/N` of a shard process.
    func shardSpec() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0, index < count else {
            throw CommandFailure.badInput("--shard \(shard): expected I/N")
        }
        return (index, count)
    }

    func run() async throws {
        try await execute(link: nil)
    }

    /// The run; `link` when this process is a worker of a coordinated run.
    func execute(link: WorkerLink?) async throws {
        var profile = try loadProfile()
        try applyFlags(to: &profile)
        let thresholds: [Threshold]
        do {
            thresholds = try Threshold.parseAll(profile.thresholds)
        } catch {
            throw CommandFailure.badInput("threshold: \(error)")
        }

        let shardSpec = try shardSpec()
        if let processes, processes < 1 || processes > 64 {
            throw CommandFailure.badInput("--processes \(processes): must be 1…64")
        }
        if link == nil, let workers = try coordination.validatedWorkers(processes: processes) {
            profile.processes = workers
            try await coordinate(profile: profile, workers: workers, thresholds: thresholds)
            return
        }
        let processCount = shardSpec?.count ?? processes ?? 1
        profile.processes = processCount

        // Preflight before anything connects.
        let fileLimit = Preflight.raiseFileLimit()
        let plan = FleetPlan(
            sessionCount: profile.sessions,
            arrival: profile.arrival,
            sourceAddressRanges: profile.sourceAddresses,
            shard: shardSpec?.index ?? 0,
            shardCount: processCount
        )
        let sessionsPerAddress = plan.sessionsPerSourceAddress
        do {
            // An HTTP session holds up to two connections (a held poll and one for Continues).
            _ = try Preflight.check(
                sessions: profile.sessions,
                processes: processCount,
                sessionsPerSourceAddress: sessionsPerAddress,
                embedded: profile.mp == nil,
                identities: nil,
                fileLimit: fileLimit,
                connectionsPerSession: profile.transport == .http ? 2 : 1
            )
        } catch {
            throw CommandFailure.badInput("preflight: \(error)")
        }
        if link == nil, shardSpec == nil, processCount > 1 {
            try await coordinate(profile: profile, workers: processCount, thresholds: thresholds, localPool: ensurePool(profile: profile))
            return
        }
        let identitySource = try await loadIdentities(profile: profile, range: plan.slice)

        // One event loop per core, shared by the fleet and the embedded simulator.
        let group = MultiThreadedEventLoopGroup.singleton
        var logger = Logger(label: "bgbfleet")
        logger.logLevel = .warning

        // The target: the embedded simulator, or the MP given.
        let target: FleetTarget
        var simulator: MPSimulator?
        if let mp = profile.mp {
            let address: SocketAddress
            let httpAddress: SocketAddress
            do {
                address = try SocketAddress.makeAddressResolvingHost(mp, port: profile.port)
                httpAddress = try SocketAddress.makeAddressResolvingHost(mp, port: profile.httpPort)
            } catch {
                throw CommandFailure.badInput("--mp \(mp): cannot resolve: \(error)")
            }
            target = FleetTarget(
                host: mp,
                tcpAddress: address,
                httpAddress: httpAddress,
                httpTLS: profile.httpPort == 443,
                adminURL: profile.triggerURL,
                isEmbedded: false
            )
        } else {
            let embedded = try await EmbeddedSimulator.start(group: group, logger: logger, identities: identitySource)
            simulator = embedded.simulator
            target = embedded.target
        }

        let directory = URL(fileURLWithPath: profile.output ?? Self.defaultOutputDirectory())
        let endpoint = profile.transport == .http ? target.httpAddress.map { "HTTP \($0)" } ?? "HTTP" : "\(target.tcpAddress)"
        let shardLabel = shardSpec.map { " (shard \($0.index + 1)/\($0.count): \(plan.slice.count) sessions)" } ?? ""
        stderrLine("bgbfleet: \(profile.sessions) sessions (\(profile.name))\(shardLabel) → \(target.isEmbedded ? "embedded MP simulator" : target.host) \(endpoint); reports in \(directory.path)")
        let live = LiveViewPrinter(enabled: !quiet)
        let exporter = PrometheusExporter(mp: profile.mp ?? "embedded", runID: directory.lastPathComponent)
        var observer: (@Sendable (IntervalRecord) -> Void)?
        if prometheus != nil { observer = { exporter.update($0) } }
        if let link {
            // A worker streams its intervals to the coordinator.
            let exporting = observer
            observer = { interval in
                exporting?(interval)
                link.observe(interval)
            }
        }
        var rttSource: (@Sendable () -> HistogramSnapshot)?
        if let simulator { rttSource = { simulator.rttSnapshot() } }
        // A worker reports ready and starts at the coordinator's instant.
        var runStart = self.runStart
        if let link {
            do {
                runStart = try await link.awaitStart(sessions: plan.slice.count, loop: group.next())
            } catch {
                try? await simulator?.shutdown()
                throw error
            }
        }
        let engine: FleetEngine
        do {
            engine = try FleetEngine(
                options: .init(
                    profile: profile,
                    target: target,
                    identities: identitySource,
                    reportDirectory: directory,
                    liveView: { line, final in live.show(line, final: final) },
                    log: { message in live.log(message) },
                    onTick: EmbeddedSimulator.faultSchedule(profile: profile, simulator: simulator, log: { live.log($0) }),
                    mpRTTSource: rttSource,
                    intervalObserver: observer
                ).sharded(
                    shard: shardSpec?.index ?? 0,
                    count: processCount,
                    runStartEpochNanoseconds: runStart,
                    firesTriggers: profile.mp == nil || (shardSpec?.index ?? 0) == 0
                ),
                group: group
            )
        } catch {
            try? await simulator?.shutdown()
            throw CommandFailure.badInput("\(error)")
        }
        link?.attach(engine)
        var prometheusServer: PrometheusServer?
        if let prometheus {
            guard let (host, port) = PrometheusServer.parse(prometheus) else {
                try? await simulator?.shutdown()
                throw CommandFailure.badInput("--prometheus \(prometheus): expected ADDR:PORT, e.g. 127.0.0.1:9464")
            }
            do {
                prometheusServer = try await PrometheusServer.start(host: host, port: port, exporter: exporter, group: group)
                stderrLine("bgbfleet: Prometheus metrics on http://\(prometheus)/metrics")
            } catch {
                try? await simulator?.shutdown()
                throw CommandFailure.badInput("--prometheus \(prometheus): cannot listen: \(error)")
            }
        }
        defer { if let prometheusServer { Task { await prometheusServer.shutdown() } } }
        let signals = SignalHandler { engine.stop() }
        defer { signals.cancel() }

        let summary: RunSummary
        do {
            summary = try await engine.run()
        } catch {
            try? await simulator?.shutdown()
            throw CommandFailure.runFailed("the run failed: \(error)")
        }
        try? await simulator?.shutdown()
        if shardSpec != nil {
            // The parent merges, prints and evaluates thresholds.
            return
        }

        print(SummaryTable.render(summary))
        let results = thresholds.map { $0.evaluate(summary) }
        if !results.isEmpty { print(ThresholdTable.render(results)) }
        print("reports: \(directory.path)")
        if results.contains(where: { !$0.passed }) { throw ExitCode(ExitStatus.thresholdFailed) }
    }

    func loadProfile() throws -> FleetProfile {
        guard let path = profile else { return FleetProfile.smoke() }
        do {
            return try FleetProfile.load(path: path)
        } catch {
            throw CommandFailure.badInput("profile \(path): \(error)")
        }
    }

    func applyFlags(to profile: inout FleetProfile) throws {
        func parseDuration(_ text: String?, _ flag: String) throws -> UInt64? {
            guard let text else { return nil }
            guard let value = DurationText.nanoseconds(text) else {
                throw CommandFailure.badInput("--\(flag) \(text): not a duration (use ms, s, m or h, e.g. 10s)")
            }
            return value
        }
        if let mp { profile.mp = mp }
        if let port {
            guard (1...65535).contains(port) else { throw CommandFailure.badInput("--port \(port): must be 1…65535") }
            profile.port = port
        }
        if let httpPort {
            guard (1...65535).contains(httpPort) else { throw CommandFailure.badInput("--http-port \(httpPort): must be 1…65535") }
            profile.httpPort = httpPort
        }
        if let transport {
            guard let value = FleetProfile.Transport(rawValue: transport) else {
                throw CommandFailure.badInput("--transport \(transport): use tcp or http")
            }
            profile.transport = value
        }
        if let sessions {
            guard sessions > 0 else { throw CommandFailure.badInput("--sessions must be positive") }
            profile.sessions = sessions
        }
        if rate != nil, ramp != nil { throw CommandFailure.badInput("give either --rate or --ramp, not both") }
        if let rate {
            guard rate > 0 else { throw CommandFailure.badInput("--rate must be positive") }
            profile.arrival = .rate(rate)
        }
        if let ramp = try parseDuration(ramp, "ramp") { profile.arrival = .ramp(nanoseconds: ramp) }
        if let value = try parseDuration(duration, "duration") {
            guard value > 0 else { throw CommandFailure.badInput("--duration must be positive") }
            profile.duration = value
        }
        if let value = try parseDuration(keepalive, "keepalive") {
            guard value >= 1_000_000_000 else { throw CommandFailure.badInput("--keepalive must be at least 1s") }
            profile.keepAlive = value
        }
        if let tls {
            guard let version = BGBTLSOptions.Version(rawValue: tls) else {
                throw CommandFailure.badInput("--tls \(tls): use 1.0, 1.1, 1.2 or 1.3")
            }
            profile.tls.minimumVersion = version
            profile.tls.maximumVersion = version
        }
        if let identities { profile.identities = identities }
        if !sourceAddress.isEmpty {
            do {
                profile.sourceAddresses = try sourceAddress.map { try SourceAddressRange($0) }
            } catch {
                throw CommandFailure.badInput("\(error)")
            }
        }
        if let value = try parseDuration(handlingTime, "handling-time") { profile.handlingTime = .constant(nanoseconds: value) }
        if let returnCode { profile.returnCode = returnCode }
        if let triggerURL { profile.triggerURL = triggerURL }
        profile.thresholds += threshold
        if let output { profile.output = output }
    }

    /// Makes sure the pool holds the plan's identities (generating the default pool if needed)
    /// and returns its path, for shard processes.
    func ensurePool(profile: FleetProfile) async throws -> String {
        _ = try await loadIdentities(profile: profile, range: 0..<0)
        return profile.identities ?? Self.defaultPoolDirectory()
    }

    /// Opens (or creates and fills) the identity pool and loads `range` of it.
    func loadIdentities(profile: FleetProfile, range: Range<Int>) async throws -> PoolIdentitySource {
        let explicit = profile.identities
        let path = explicit ?? Self.defaultPoolDirectory()
        let directory = URL(fileURLWithPath: path)
        do {
            var pool: IdentityPool
            if let explicit {
                guard FileManager.default.fileExists(atPath: explicit + "/manifest.json") else {
                    throw CommandFailure.badInput("identity pool \(explicit): no manifest.json (create it with `bgbfleet identities generate --count \(profile.sessions) --out \(explicit)`)")
                }
                pool = try IdentityPool.open(at: directory)
                let needed = identityOffset.map { range.upperBound - $0 } ?? profile.sessions
                if pool.count < needed {
                    throw CommandFailure.badInput(
                        "\(profile.sessions) sessions need \(needed) identities; the pool \(explicit) has \(pool.count): "
                            + "run `bgbfleet identities generate --count \(profile.sessions) --out \(explicit)`"
                    )
                }
            } else {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                pool = try IdentityPool.openOrCreate(at: directory, keyType: .rsa2048)
                if pool.count < profile.sessions {
                    stderrLine("bgbfleet: generating \(profile.sessions - pool.count) RSA-2048 identities into \(path) (once; later runs reuse them)")
                    let display = GenerationProgressDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
                    try await pool.generate(count: profile.sessions) { display.update($0) }
                    display.finish()
                }
            }
            if let offset = identityOffset, !range.isEmpty {
                return try PoolIdentitySource(pool: pool, range: (range.lowerBound - offset)..<(range.upperBound - offset), sessionOffset: offset)
            }
            return try PoolIdentitySource(pool: pool, range: range)
        } catch let error as IdentityPoolError {
            throw CommandFailure.badInput("\(error)")
        }
    }

    static func cacheDirectory() -> String {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/bgbfleet" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/bgbfleet"
    }

    static func defaultPoolDirectory() -> String { cacheDirectory() + "/identities-rsa2048" }

    static func defaultOutputDirectory() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return "runs/" + formatter.string(from: Date())
    }
}

func stderrLine(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
