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
        /// How many of this process's fleet clients the MP itself reports online (the caller asks
        /// the AdminService's `SMS_CN_ClientStatus`); polled every `profile.mpOnlinePoll`, shown as
        /// `mp_online` next to the sessions signed in here. Nil: not polled.
        public var mpOnlineSource: (@Sendable () async throws -> Int)?
        /// The profile's triggers, resolved by the caller against the fleet's ResourceIDs
        /// (``TriggerPlan/resolve(_:sessionCount:resourceIDs:policy:)``); empty: none fires.
        public var triggers: [TriggerPlan]

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
            intervalObserver: (@Sendable (IntervalRecord) -> Void)? = nil,
            triggers: [TriggerPlan] = [],
            mpOnlineSource: (@Sendable () async throws -> Int)? = nil
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
            self.triggers = triggers
            self.mpOnlineSource = mpOnlineSource
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
    /// The MP's latest count of this process's clients online; -1 before the first answer.
    let mpOnline = ManagedAtomic<Int>(-1)
    let context: FleetRunContext
    let plan: FleetPlan
    /// Every firing of the run's triggers, in time order.
    let firings: [(offset: UInt64, plan: TriggerPlan)]

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
        var firings: [(offset: UInt64, plan: TriggerPlan)] = []
        for plan in options.triggers {
            for time in plan.trigger.firings(within: options.profile.duration) { firings.append((time, plan)) }
        }
        self.firings = firings.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        self.context = try FleetRunContext(
            profile: options.profile,
            target: options.target,
            identities: options.identities,
            metrics: metrics,
            triggerFirings: self.firings.count,
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
        // The bound on handshakes in flight, shared out over the loops.
        let handshakes = context.maxHandshakes ?? FleetProfile.defaultHandshakesPerCore * System.coreCount
        let handshakeLimit = handshakes == 0 ? 0 : max(1, (handshakes + loops.count - 1) / loops.count)
        for (loopIndex, (loop, entries)) in zip(loops, entriesByLoop).enumerated() {
            let counterShard = loopIndex % context.metrics.counters.shards
            let (shard, probe) = try await loop.submit {
                let shard = LoopShard(eventLoop: loop, shared: context, entries: entries, counterShard: counterShard, handshakeLimit: handshakeLimit)
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
        // The most sessions signed in at once (the final count is 0 after the closing), and
        // whether the planned duration was reached (false: stop() ended the run early).
        var peakSignedIn: Int64 = 0
        var reachedDuration = false
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Triggers.
            if !self.firings.isEmpty {
                let adminURL = options.target.adminURL ?? profile.triggerURL
                let client = try makeTriggerSender(adminURL: adminURL)
                if client == nil, options.firesTriggers {
                    options.log("triggers are configured but no trigger URL is known: give --trigger-url")
                }
                let counter: @Sendable (FleetSelection) async throws -> Int = { [shards] selection in
                    var count = 0
                    for (loop, shard) in zip(loops, shards) {
                        count += try await loop.submit { shard.value.signedInCount(reaching: selection) }.get()
                    }
                    return count
                }
                group.addTask {
                    do {
                        try await self.runTriggers(client: client, runStart: runStart, countTargets: counter)
                    } catch is CancellationError {
                        // The run ended before the last scheduled trigger: nothing to send.
                    }
                }
            }
            // The MP's own view.
            if let source = options.mpOnlineSource, profile.mpOnlinePoll > 0 {
                group.addTask { try await self.pollMPOnline(source, every: profile.mpOnlinePoll) }
            }
            // The interval reporter and the clock run here, in the run's own task.
            var previous = self.metrics.counters.snapshot()
            var tick = 1
            var handshakesSinceTrim = false
            while !self.stopRequested.load(ordering: .relaxed) {
                let deadline = startDate.addingTimeInterval(Double(tick))
                let wait = deadline.timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                let elapsed = Date().timeIntervalSince(startDate)
                self.foldMPRTT(previous: &previousRTT)
                var interval = self.metrics.takeInterval()
                interval.mpOnline = self.mpOnlineValue
                peakSignedIn = max(peakSignedIn, interval.counters[state: .signedIn])
                try writer.append(interval)
                self.options.intervalObserver?(interval)
                var line = LiveLine.render(elapsed: elapsed, interval: interval, previous: previous, total: self.plan.slice.count)
                if let online = interval.mpOnline { line += " | MP online \(online)" }
                lastLine = line
                self.options.liveView?(line, false)
                previous = interval.counters
                if let onTick = self.options.onTick { await onTick(elapsed) }
                // Every 10 s, and once the ramp is over, return the handshakes' freed memory — only
                // when handshakes ran since the last trim: a trim walks the whole heap and hands
                // back pages the next burst of pushes faults in again, so a fleet that only holds
                // and answers pushes is not trimmed.
                // (Connections made in the interval, or in flight at its end: a gauge sampled once
                // a second alone would miss handshakes that start and finish between ticks.)
                if (interval.histograms[.tcp]?.totalCount ?? 0) > 0
                    || interval.counters[state: .connecting] + interval.counters[state: .tls] > 0 {
                    handshakesSinceTrim = true
                }
                if handshakesSinceTrim, tick % 10 == 0 || tick == Int(rampSeconds.rounded(.up)) + 2 {
                    MemoryTrimmer.trim()
                    handshakesSinceTrim = false
                }
                if elapsed >= durationSeconds {
                    reachedDuration = true
                    break
                }
                tick += 1
            }
            group.cancelAll()
            try await group.waitForAll()
        }
        // The MP's view once more while every session is still up (the poll may be 30 s old).
        if let source = options.mpOnlineSource, profile.mpOnlinePoll > 0, let online = try? await source() {
            mpOnline.store(online, ordering: .relaxed)
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
        var finalInterval = metrics.takeInterval()
        finalInterval.mpOnline = mpOnlineValue
        peakSignedIn = max(peakSignedIn, finalInterval.counters[state: .signedIn])
        try writer.append(finalInterval)
        options.intervalObserver?(finalInterval)
        var sessionRows: [SessionReportRow] = []
        for (loop, shard) in zip(loops, shards) {
            sessionRows += try await loop.submit { shard.value.sessions.map(\.reportRow) }.get()
        }
        var planLines = profile.summary
        planLines["shard"] = "\(options.shard + 1)/\(options.shardCount)"
        planLines["target"] = "\(options.target.host) (\(options.target.tcpAddress))"
        if let online = mpOnlineValue {
            planLines["mp_online"] = "\(online) of \(plan.slice.count) online at the MP at its last poll (SMS_CN_ClientStatus)"
        }
        let summary = try writer.finish(
            counters: metrics.counters.snapshot(),
            endTime: Date(),
            plan: planLines,
            sessions: sessionRows,
            pushes: context.triggers.records.map(\.row),
            interrupted: !reachedDuration,
            peakSignedIn: peakSignedIn
        )
        // The last line of the run itself (after the closing, every session counts as closed).
        options.liveView?(lastLine, true)
        return summary
    }

    var mpOnlineValue: Int? {
        let value = mpOnline.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    /// Asks the MP how many of this process's clients it sees online, every `interval` until the
    /// run ends; a failed poll is logged (once until one succeeds again) and keeps the last value.
    func pollMPOnline(_ source: @Sendable () async throws -> Int, every interval: UInt64) async throws {
        var failing = false
        while !stopRequested.load(ordering: .relaxed) {
            do {
                mpOnline.store(try await source(), ordering: .relaxed)
                failing = false
            } catch is CancellationError {
                return
            } catch {
                if !failing, !Task.isCancelled { options.log("MP online poll (SMS_CN_ClientStatus) failed: \(error)") }
                failing = true
            }
            do {
                try await Task.sleep(nanoseconds: interval)
            } catch {
                return
            }
        }
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

    /// Fires the planned triggers on schedule. Each firing counts this process's signed-in
    /// sessions among those it reaches into `pushes_targeted` — in a multi-process run every
    /// shard counts its own, so their sum is the fleet's — and only the firing process sends it.
    func runTriggers(
        client: (any TriggerSender)?,
        runStart: UInt64,
        countTargets: @Sendable (FleetSelection) async throws -> Int
    ) async throws {
        for (ordinal, (offset, plan)) in firings.enumerated() {
            let due = runStart + offset
            let now = NIODeadline.now().uptimeNanoseconds
            if due > now { try await Task.sleep(nanoseconds: due - now) }
            if stopRequested.load(ordering: .relaxed) { return }
            let targets = try await countTargets(plan.reaches)
            // Shards of one run share the schedule: name the trigger by its scheduled time, so the
            // merged pushes.csv has one row per trigger.
            let time = options.runStartEpochNanoseconds.map { Date(timeIntervalSince1970: Double($0 + Int64(offset)) / 1e9) } ?? Date()
            let record = context.triggers.fire(
                ordinal: ordinal,
                type: plan.trigger.type,
                time: time,
                sentAt: NIODeadline.now().uptimeNanoseconds,
                targets: targets
            )
            guard options.firesTriggers, plan.sends, let client else {
                // Another process sends it; this one times what it receives from the same schedule.
                metrics.counters.add(.pushesTargeted, UInt64(targets))
                continue
            }
            do {
                let id = try await client.initiateClientOperation(
                    type: plan.trigger.type,
                    collectionID: plan.collectionID,
                    resourceIDs: plan.resourceIDs,
                    param: plan.trigger.param
                )
                record.operationID.store(id, ordering: .relaxed)
                record.acceptedAt.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
                metrics.counters.add(.pushesTargeted, UInt64(targets))
            } catch {
                context.triggers.fail(record)
                options.log("trigger Type \(plan.trigger.type) at \(DurationText.format(offset)) failed: \(error)")
            }
        }
    }
}
