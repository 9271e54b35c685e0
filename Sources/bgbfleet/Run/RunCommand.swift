import ArgumentParser
import BGBClient
import FleetEngine
import FleetIdentity
import FleetMetrics
import FleetSupport
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
            (500 sessions, three policy pushes, about a minute); with --mp and no --profile, the built-in \
            real-mp profile (no triggers; thresholds only on sign-ins and errors). Every flag overrides \
            the profile.

            Against a real MP, triggers reach the fleet's own clients only: their ResourceIDs are \
            resolved from the AdminService (--trigger-url) and cached in the pool; a trigger on a whole \
            built-in collection is refused unless --allow-site-wide-triggers. --dry-run prints the plan \
            without connecting to the MP.

            Output: a live line every second, a summary table and the threshold table at the end, and \
            the report directory (default runs/<timestamp>/): intervals.csv, summary.csv, summary.json, \
            sessions.csv, pushes.csv, timeline.csv, one HdrHistogram interval log (.hlog) per latency metric, \
            and report.html, the self-contained page to open in a browser.

            Exit status: 0 all thresholds passed, 99 a threshold failed, 2 bad usage or input \
            (including a plan this machine cannot hold), 1 the run itself failed, 130 / 143 \
            interrupted by SIGINT / SIGTERM (the reports are written and summary.json says \
            "interrupted": true; a second signal exits at once without them).
            """
    )

    @Option(help: "A YAML profile (see profiles/). Default: the built-in smoke profile.")
    var profile: String?

    @Option(help: "The MP's host name or address. Default: the embedded MP simulator on 127.0.0.1.")
    var mp: String?

    @Option(help: "The MP's client-notification TCP port (default 10123).")
    var port: Int?

    @Option(help: "The MP's HTTP port for /bgb/handler.ashx (default 80; 443 means HTTPS, --https for any other port): --transport http, and the TCP → HTTP fallback.")
    var httpPort: Int?

    @Option(help: "The transport every session starts with: tcp (default; falls back to HTTP after reconnect.http-fallback-after TCP failures) or http (the long-poll fallback only).")
    var transport: FleetProfile.Transport?

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

    @Option(help: "TLS version (default 1.2).")
    var tls: BGBTLSOptions.Version?

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

    @Option(help: ArgumentHelp("Run the plan as N worker processes on this host (identities and source addresses split), coordinated as a multi-host run is, with one merged live view and report: how one machine gets past its per-process file limit. auto: as few as the open-file limit allows. Without --mp every process runs its own embedded simulator.", valueName: "n|auto"))
    var processes: ProcessCount?

    @OptionGroup(title: "Security")
    var security: RunSecurityOptions

    @OptionGroup(title: "Many hosts")
    var coordination: CoordinationOptions

    @Flag(help: "No live line.")
    var quiet = false

    @OptionGroup var site: SiteSafetyOptions
    @OptionGroup var sessionOptions: RunSessionOptions

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
        // A built-in profile's thresholds are defaults: they never fail for lack of data.
        let builtInThresholds = self.profile == nil ? profile.thresholds.count : 0
        try applyFlags(to: &profile)
        try security.apply(to: &profile)
        let thresholds: [Threshold]
        do {
            thresholds = try Threshold.parseAll(Array(profile.thresholds.prefix(builtInThresholds)), builtInDefaults: true)
                + Threshold.parseAll(Array(profile.thresholds.dropFirst(builtInThresholds)))
        } catch {
            throw CommandFailure.badInput("threshold: \(error)")
        }
        try Self.checkTriggerSafety(profile: profile, allowSiteWide: site.allowSiteWideTriggers)

        // A local worker of `--processes N` takes its share of the host's default handshake bound.
        if profile.maxHandshakes == nil, link != nil, let localWorkers = ShardedRun.localWorkerCount() {
            profile.maxHandshakes = max(1, FleetProfile.defaultHandshakesPerCore * System.coreCount / localWorkers)
        }
        let shardSpec = try shardSpec()
        let fileLimit = OpenFileLimit.raise()?.soft ?? 1024
        let processes = try resolvedProcesses(profile: profile, fileLimit: fileLimit, announce: link == nil && shardSpec == nil)
        // Every flag is checked before anything starts (the pool, the simulator, a socket).
        if let prometheus {
            guard let (host, port) = PrometheusServer.parse(prometheus) else {
                throw CommandFailure.badInput("--prometheus \(prometheus): expected ADDR:PORT, e.g. 127.0.0.1:9464")
            }
            do {
                _ = try SocketAddress.makeAddressResolvingHost(host, port: port)
            } catch {
                throw CommandFailure.badInput("--prometheus \(prometheus): cannot resolve \(host): \(error)")
            }
        }
        // Workers on other hosts (`--workers`), else the profile's `processes:` counts like the flag (the flag wins).
        let remoteWorkers = link == nil ? try coordination.validatedWorkers(processes: processes) : nil
        let processCount = remoteWorkers ?? shardSpec?.count ?? processes ?? profile.processes
        profile.processes = processCount

        // Preflight before anything connects.
        let plan = FleetPlan(
            sessionCount: profile.sessions,
            arrival: profile.arrival,
            sourceAddressRanges: profile.sourceAddresses,
            shard: shardSpec?.index ?? 0,
            shardCount: processCount
        )
        let sessionsPerAddress = plan.sessionsPerSourceAddress
        let preflight: Preflight.Report
        do {
            // An HTTP session holds up to two connections (a held poll and one for Continues).
            preflight = try Preflight.check(
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
        // Against a real site, the fleet's ResourceIDs (the coordinating process resolves them and
        // caches them in the pool; workers read the cache).
        var siteResourceIDs: [UInt32?]?
        var siteTriggers: [TriggerPlan] = []
        if profile.mp != nil, profile.triggerURL != nil, !profile.triggers.isEmpty || profile.mpOnlinePoll > 0 {
            let poolPath = site.dryRun ? (profile.identities ?? Self.defaultPoolDirectory()) : try await ensurePool(profile: profile)
            let ids = try await Self.siteResourceIDs(profile: profile, poolPath: poolPath, cacheOnly: shardSpec != nil || link != nil) { stderrLine($0) }
            siteResourceIDs = ids
            siteTriggers = try Self.triggerPlans(profile: profile, resourceIDs: ids, known: nil, collectionIsFleet: false, allowSiteWide: site.allowSiteWideTriggers)
        }
        if site.dryRun {
            print(try await dryRun(profile: profile, processes: processCount, fileLimit: fileLimit, preflight: preflight, thresholds: thresholds,
                             triggers: profile.mp == nil ? nil : siteTriggers, resolved: siteResourceIDs?.compactMap { $0 }.count).render(), terminator: "")
            return
        }
        if link == nil, shardSpec == nil, processCount > 1 || remoteWorkers != nil {
            let localPool: String? = remoteWorkers == nil ? try await ensurePool(profile: profile) : nil
            try await coordinate(profile: profile, workers: processCount, thresholds: thresholds, localPool: localPool)
            return
        }
        let identitySource = try await loadIdentities(profile: profile, range: plan.slice)

        // One event loop per core, shared by the fleet and the embedded simulator.
        let group = MultiThreadedEventLoopGroup.singleton
        var logger = Logger(label: "bgbfleet")
        logger.logLevel = sessionOptions.logLevel

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
                httpTLS: profile.usesHTTPS,
                adminURL: profile.triggerURL
            )
        } else {
            let embedded = try await EmbeddedSimulator.start(group: group, logger: logger, identities: identitySource)
            simulator = embedded.simulator
            target = embedded.target
            // The embedded simulator knows this process's clients only; its SMS00001 is the fleet.
            var ids = [UInt32?](repeating: nil, count: profile.sessions)
            for (offset, id) in embedded.resourceIDs.enumerated() where plan.slice.lowerBound + offset < plan.slice.upperBound {
                ids[plan.slice.lowerBound + offset] = id
            }
            do {
                siteTriggers = try Self.triggerPlans(profile: profile, resourceIDs: ids, known: plan.slice, collectionIsFleet: true, allowSiteWide: true)
            } catch {
                try? await embedded.simulator.shutdown()
                throw error
            }
        }

        let directory = URL(fileURLWithPath: profile.output ?? Self.defaultOutputDirectory())
        let endpoint = profile.transport == .http ? target.httpAddress.map { "HTTP \($0)" } ?? "HTTP" : "\(target.tcpAddress)"
        let shardLabel = shardSpec.map { " (shard \($0.index + 1)/\($0.count): \(plan.slice.count) sessions)" } ?? ""
        stderrLine("bgbfleet: \(profile.sessions) sessions (\(profile.name))\(shardLabel) → \(simulator != nil ? "embedded MP simulator" : target.host) \(endpoint); reports in \(directory.path)")
        stderrLine("bgbfleet: " + profile.tls.validationSummary)
        if profile.triggerTLS == .insecure, !profile.triggers.isEmpty { stderrLine("bgbfleet: " + profile.triggerTLS.description) }
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
                    intervalObserver: observer,
                    triggers: siteTriggers,
                    mpOnlineSource: try siteResourceIDs.map { ids in
                        try Self.mpOnlineSource(profile: profile, resourceIDs: ids[plan.slice].compactMap { $0 })
                    }
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
        // A shard (a worker of `run --processes`) sees one terminal Ctrl-C twice, directly and
        // forwarded, and must still write its reports.
        let signals = InterruptHandler.run(shard: shardSpec != nil) { engine.stop() }
        defer { signals.cancel() }

        let summary: RunSummary
        do {
            summary = try await engine.run()
        } catch {
            try? await simulator?.shutdown()
            throw CommandFailure.runFailed("the run failed: \(error)")
        }
        try? await simulator?.shutdown()
        let results = thresholds.map { $0.evaluate(summary) }
        let html = RunReportFinish.finish(directory: directory, summary: summary, results: results)
        if shardSpec != nil {
            // The parent merges, prints and evaluates thresholds; an interrupted shard tells it so.
            if let status = signals.exitStatus, summary.interrupted { throw ExitCode(status) }
            return
        }

        print(SummaryTable.render(summary))
        print(profile.tls.validationSummary)
        if profile.triggerTLS == .insecure { print(profile.triggerTLS.description) }
        if !results.isEmpty { print(ThresholdTable.render(results)) }
        print("reports: \(directory.path)")
        if let html { print("report: \(html.path)") }
        // An interrupted run says so in its exit status before anything else (130 SIGINT, 143 SIGTERM).
        if let status = signals.exitStatus, summary.interrupted {
            stderrLine("bgbfleet: the run was interrupted; its reports cover the \(String(format: "%.1f", summary.durationSeconds)) s it ran")
            throw ExitCode(status)
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(ExitStatus.thresholdFailed) }
    }

    func loadProfile() throws -> FleetProfile {
        guard let path = profile else { return mp == nil ? FleetProfile.smoke() : FleetProfile.realMP() }
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
        if let transport { profile.transport = transport }
        if let sessions {
            guard sessions > 0 else { throw CommandFailure.badInput("--sessions must be positive") }
            profile.sessions = sessions
        }
        if rate != nil, ramp != nil { throw CommandFailure.badInput("give either --rate or --ramp, not both") }
        if let rate {
            guard rate > 0 else { throw CommandFailure.badInput("--rate must be positive") }
            guard ArrivalSchedule.rateRange.contains(rate) else {
                throw CommandFailure.badInput("--rate \(rate): must be \(ArrivalSchedule.rateRangeText) sessions per second")
            }
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
            profile.tls.minimumVersion = tls
            profile.tls.maximumVersion = tls
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
        try sessionOptions.apply(to: &profile)
    }

    /// Makes sure the pool holds the plan's identities (generating the default pool if needed)
    /// and returns its path, for shard processes.
    func ensurePool(profile: FleetProfile) async throws -> String {
        _ = try await loadIdentities(profile: profile, range: 0..<0)
        return profile.identities ?? Self.defaultPoolDirectory()
    }

    /// Opens (or creates and fills) the identity pool (``IdentityPoolPolicy``) and loads `range` of it.
    func loadIdentities(profile: FleetProfile, range: Range<Int>) async throws -> PoolIdentitySource {
        let policy = IdentityPoolPolicy(explicitPath: profile.identities, defaultPath: Self.defaultPoolDirectory())
        do {
            let display = ProgressDisplay.generation()
            let pool = try await policy.open(
                sessions: profile.sessions,
                needed: identityOffset.map { range.upperBound - $0 } ?? profile.sessions,
                willGenerate: { stderrLine("bgbfleet: generating \($0) RSA-2048 identities into \(policy.path) (once; later runs reuse them)") },
                progress: { display.update($0) }
            )
            display.finish()
            if let offset = identityOffset, !range.isEmpty {
                return try PoolIdentitySource(pool: pool, range: (range.lowerBound - offset)..<(range.upperBound - offset), sessionOffset: offset)
            }
            return try PoolIdentitySource(pool: pool, range: range)
        } catch let error as IdentityPoolError {
            throw CommandFailure.badInput("\(error)")
        } catch let error as IdentityPoolPolicyError {
            throw CommandFailure.badInput("\(error)")
        }
    }

    static func cacheDirectory() -> String { CacheDirectory.path() }

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
