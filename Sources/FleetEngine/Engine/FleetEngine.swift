import Atomics
import BGBProtocol
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Drives a fleet of simulated ConfigMgr clients against an MP and measures it.
///
/// Sessions are plain handlers on the event loops (one loop per core, thousands of sessions per
/// loop); the engine's own work — the ramp timers, triggers, the interval reporter — is structured
/// concurrency at the edges. ``stop()`` (SIGINT/SIGTERM) and the run's duration end it gracefully:
/// the ramp stops, sessions close, every report is written.
public final class FleetEngine: Sendable {
    public struct Options: Sendable {
        public var profile: FleetProfile
        public var target: FleetTarget
        public var identities: FleetIdentitySource
        /// Where reports go (created).
        public var reportDirectory: URL
        /// This process's shard of a multi-process run.
        public var shard: Int
        public var shardCount: Int
        /// The run's start on the wall clock (nanoseconds since the epoch), shared by every shard of
        /// a multi-process run so they ramp and trigger on one schedule; nil: 50 ms from now.
        public var runStartEpochNanoseconds: Int64?
        /// Whether this process sends the triggers. In a multi-process run against one MP only the
        /// first shard does; the others time the pushes they receive from the same schedule.
        public var firesTriggers: Bool = true
        /// Live view lines (nil: quiet).
        public var liveView: (@Sendable (String, _ final: Bool) -> Void)?
        /// Log lines (errors that do not stop the run).
        public var log: @Sendable (String) -> Void
        /// Called once a second with the seconds since start, e.g. to inject simulator faults.
        public var onTick: (@Sendable (Double) async -> Void)?
        /// The MP's own push → response histogram (cumulative), when the MP is the embedded simulator:
        /// its growth is folded into `mp_rtt` every interval.
        public var mpRTTSource: (@Sendable () -> HistogramSnapshot)?
        /// Sees every interval as it is reported (e.g. the Prometheus exporter).
        public var intervalObserver: (@Sendable (IntervalRecord) -> Void)?

        public init(
            profile: FleetProfile,
            target: FleetTarget,
            identities: FleetIdentitySource,
            reportDirectory: URL,
            shard: Int = 0,
            shardCount: Int = 1,
            liveView: (@Sendable (String, Bool) -> Void)?,
            log: @escaping @Sendable (String) -> Void,
            onTick: (@Sendable (Double) async -> Void)? = nil,
            mpRTTSource: (@Sendable () -> HistogramSnapshot)? = nil,
            intervalObserver: (@Sendable (IntervalRecord) -> Void)? = nil
        ) {
            self.profile = profile
            self.target = target
            self.identities = identities
            self.reportDirectory = reportDirectory
            self.shard = shard
            self.shardCount = shardCount
            self.liveView = liveView
            self.log = log
            self.onTick = onTick
            self.mpRTTSource = mpRTTSource
            self.intervalObserver = intervalObserver
        }

        /// The same options for shard `shard` of `count` processes sharing one schedule.
        public func sharded(shard: Int, count: Int, runStartEpochNanoseconds: Int64?, firesTriggers: Bool) -> Options {
            precondition(count >= 1 && shard >= 0 && shard < count, "shard \(shard) of \(count)")
            var options = self
            options.shard = shard
            options.shardCount = count
            options.runStartEpochNanoseconds = runStartEpochNanoseconds
            options.firesTriggers = firesTriggers
            return options
        }
    }

    public let options: Options
    public let metrics: FleetMetrics
    let group: EventLoopGroup
    let stopRequested = ManagedAtomic<Bool>(false)
    let context: FleetRunContext
    let plan: FleetPlan

    public init(options: Options, group: EventLoopGroup) throws(FleetConfigurationError) {
        self.options = options
        self.group = group
        // One counter shard per event loop: sessions count into their loop's shard. Intervals
        // count from the shared start instant when there is one, so the workers' intervals of a
        // multi-process run fall on one grid.
        let startTime = options.runStartEpochNanoseconds.map { Date(timeIntervalSince1970: Double($0) / 1e9) } ?? Date()
        self.metrics = FleetMetrics(startTime: startTime, counterShards: max(1, Array(group.makeIterator()).count))
        self.plan = FleetPlan(
            sessionCount: options.profile.sessions,
            arrival: options.profile.arrival,
            sourceAddressRanges: options.profile.sourceAddresses,
            shard: options.shard,
            shardCount: options.shardCount
        )
        guard options.identities.count >= plan.slice.count else {
            throw .impossiblePlan(
                "\(plan.slice.count) sessions need \(plan.slice.count) identities; the pool has \(options.identities.count): "
                    + "run `bgbfleet identities generate --count \(plan.sessionCount)`"
            )
        }
        self.context = try FleetRunContext(
            profile: options.profile,
            target: options.target,
            identities: options.identities,
            metrics: metrics,
            logger: options.log
        )
    }

    /// Asks a running ``run()`` to stop (stop ramping, close sessions, write reports).
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Runs the fleet for the profile's duration (or until ``stop()``) and returns the summary.
    public func run() async throws -> RunSummary {
        let profile = options.profile
        let writer = try RunReportWriter(directory: options.reportDirectory, startTime: metrics.startTime)
        let loops = Array(group.makeIterator())
        var entriesByLoop = [[FleetPlan.Entry]](repeating: [], count: loops.count)
        for index in plan.slice {
            entriesByLoop[index % loops.count].append(plan.entry(index))
        }
        let context = self.context
        var shards: [NIOLoopBound<LoopShard>] = []
        var probes: [NIOLoopBound<LoopLagProbe>] = []
        let runStart: UInt64
        if let epoch = options.runStartEpochNanoseconds {
            let offset = epoch - BGBTimeStamp.currentEpochNanoseconds()
            runStart = UInt64(max(0, Int64(NIODeadline.now().uptimeNanoseconds) + offset))
        } else {
            runStart = NIODeadline.now().uptimeNanoseconds + 50_000_000
        }
        for (loopIndex, (loop, entries)) in zip(loops, entriesByLoop).enumerated() {
            let counterShard = loopIndex % context.metrics.counters.shards
            let (shard, probe) = try await loop.submit {
                let shard = LoopShard(eventLoop: loop, shared: context, entries: entries, counterShard: counterShard)
                shard.start(runStart: runStart)
                let probe = LoopLagProbe(eventLoop: loop, metrics: context.metrics)
                probe.start()
                return (NIOLoopBound(shard, eventLoop: loop), NIOLoopBound(probe, eventLoop: loop))
            }.get()
            shards.append(shard)
            probes.append(probe)
        }

        let durationSeconds = Double(profile.duration) / 1e9
        let rampSeconds = Double(plan.arrival.rampDuration(count: plan.sessionCount)) / 1e9
        let startDate = metrics.startTime
        var previousRTT = HistogramSnapshot()
        var lastLine = ""
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Triggers.
            if !profile.triggers.isEmpty, let adminURL = options.target.adminURL ?? profile.triggerURL {
                let client = try AdminServiceClient(
                    baseURL: adminURL,
                    bearerToken: profile.triggerBearerToken,
                    basicCredentials: profile.triggerBasicCredentials,
                    group: self.group
                )
                group.addTask {
                    do {
                        try await self.runTriggers(client: client, runStart: runStart)
                    } catch is CancellationError {
                        // The run ended before the last scheduled trigger: nothing to send.
                    }
                }
            } else if !profile.triggers.isEmpty {
                options.log("triggers are configured but no trigger URL is known: give --trigger-url")
            }
            // The interval reporter and the clock run here, in the run's own task.
            var previous = self.metrics.counters.snapshot()
            var tick = 1
            while !self.stopRequested.load(ordering: .relaxed) {
                let deadline = startDate.addingTimeInterval(Double(tick))
                let wait = deadline.timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                let elapsed = Date().timeIntervalSince(startDate)
                self.foldMPRTT(previous: &previousRTT)
                let interval = self.metrics.takeInterval()
                try writer.append(interval)
                self.options.intervalObserver?(interval)
                let line = LiveLine.render(elapsed: elapsed, interval: interval, previous: previous, total: self.plan.slice.count)
                lastLine = line
                self.options.liveView?(line, false)
                previous = interval.counters
                if let onTick = self.options.onTick { await onTick(elapsed) }
                // Every 10 s, and once the ramp is over, return the handshakes' freed memory.
                if tick % 10 == 0 || tick == Int(rampSeconds.rounded(.up)) + 2 { MemoryTrimmer.trim() }
                if elapsed >= durationSeconds { break }
                tick += 1
            }
            group.cancelAll()
            try await group.waitForAll()
        }

        // Graceful stop: no more ramping or reconnects, close every session, wait (bounded).
        context.stopping.store(true, ordering: .relaxed)
        for (loop, shard) in zip(loops, shards) {
            try await loop.submit { shard.value.stop() }.get()
        }
        let closeDeadline = Date().addingTimeInterval(10)
        while Date() < closeDeadline {
            var open = 0
            for (loop, shard) in zip(loops, shards) {
                open += try await loop.submit { shard.value.openSessions }.get()
            }
            if open == 0 { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        for (loop, probe) in zip(loops, probes) {
            try await loop.submit { probe.value.stop() }.get()
        }
        foldMPRTT(previous: &previousRTT)
        let finalInterval = metrics.takeInterval()
        try writer.append(finalInterval)
        options.intervalObserver?(finalInterval)
        var sessionRows: [SessionReportRow] = []
        for (loop, shard) in zip(loops, shards) {
            sessionRows += try await loop.submit { shard.value.sessions.map(\.reportRow) }.get()
        }
        var planLines = profile.summary
        planLines["shard"] = "\(options.shard + 1)/\(options.shardCount)"
        planLines["target"] = options.target.isEmbedded ? "embedded simulator \(options.target.tcpAddress)" : "\(options.target.host) (\(options.target.tcpAddress))"
        let summary = try writer.finish(
            counters: metrics.counters.snapshot(),
            endTime: Date(),
            plan: planLines,
            sessions: sessionRows,
            pushes: context.triggers.records.map(\.row)
        )
        // The last line of the run itself (after the closing, every session counts as closed).
        options.liveView?(lastLine, true)
        return summary
    }

    /// Records what the MP's `mp_rtt` histogram gained since `previous` into this run's `mp_rtt`.
    func foldMPRTT(previous: inout HistogramSnapshot) {
        guard let source = options.mpRTTSource else { return }
        let current = source()
        let recorder = metrics.recorder(.mpRTT)
        for (index, count) in current.counts.enumerated() {
            let before = index < previous.counts.count ? previous.counts[index] : 0
            if count > before { recorder.record(current.layout.value(atIndex: index), count: count - before) }
        }
        previous = current
    }

    func runTriggers(client: AdminServiceClient, runStart: UInt64) async throws {
        let profile = options.profile
        var firings: [(UInt64, FleetProfile.Trigger)] = []
        for trigger in profile.triggers {
            for time in trigger.firings(within: profile.duration) { firings.append((time, trigger)) }
        }
        firings.sort { $0.0 < $1.0 }
        for (offset, trigger) in firings {
            let due = runStart + offset
            let now = NIODeadline.now().uptimeNanoseconds
            if due > now { try await Task.sleep(nanoseconds: due - now) }
            if stopRequested.load(ordering: .relaxed) { return }
            let online = Int(max(0, metrics.counters.snapshot().states[.signedIn] ?? 0))
            var resourceIDs: [UInt32] = []
            var targets = online
            switch trigger.targets {
            case .all:
                break
            case .fraction(let fraction):
                // The simulator's ResourceIDs of the first ⌈f·N⌉ sessions it knows (an embedded
                // simulator knows this shard's sessions, registered in order from 16777216).
                let known = options.target.isEmbedded ? plan.slice.count : plan.sessionCount
                let count = Int((Double(known) * fraction).rounded(.up))
                resourceIDs = (0..<count).map { UInt32(16_777_216 + $0) }
                targets = min(online, count)
            case .resourceIDs(let ids):
                resourceIDs = ids
                targets = min(online, ids.count)
            }
            // Shards of one run share the schedule: name the trigger by its scheduled time, so the
            // merged pushes.csv has one row per trigger.
            let time = options.runStartEpochNanoseconds.map { Date(timeIntervalSince1970: Double($0 + Int64(offset)) / 1e9) } ?? Date()
            let record = TriggerRecord(time: time, type: trigger.type, sentAt: NIODeadline.now().uptimeNanoseconds, targets: targets)
            context.triggers.add(record)
            guard options.firesTriggers else {
                // Another shard sends it; this one times what it receives from the same schedule.
                metrics.counters.add(.pushesTargeted, UInt64(targets))
                continue
            }
            do {
                let id = try await client.initiateClientOperation(
                    type: trigger.type,
                    collectionID: trigger.collectionID,
                    resourceIDs: resourceIDs,
                    param: trigger.param
                )
                record.operationID.store(id, ordering: .relaxed)
                record.acceptedAt.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
                // The MP knows better who was online at T0 (a session counts there from its SignIn,
                // here from its SignInConfirm); a real MP's counters may lag, so keep the larger.
                if let status = try? await client.operationStatus(id: id),
                    let total = status["TotalClients"] as? Int, let offline = status["OfflineClients"] as? Int
                {
                    record.targetCount.store(max(targets, total - offline), ordering: .relaxed)
                }
                metrics.counters.add(.pushesTargeted, UInt64(record.targets))
            } catch {
                context.triggers.remove(record)
                options.log("trigger Type \(trigger.type) at \(DurationText.format(offset)) failed: \(error)")
            }
        }
    }
}
