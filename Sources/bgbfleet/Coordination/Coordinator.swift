import BGBProtocol
import FleetEngine
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The coordinator of a run over several worker processes (this host's `--processes N`, or
/// `--workers N` on other hosts): the socket shell around ``CoordinatorStateMachine``. It measures
/// clocks, hands out the plan, sends one start instant, prints the merged live line, keeps every
/// worker's report under `worker-N/` (from the streamed intervals, so a lost worker's data so far
/// is kept) and merges them into one report.
final class Coordinator: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is only touched with `lock` held.

    struct Configuration {
        var workerCount: Int
        var runID: String
        var profile: FleetProfile
        var profileYAML: String?
        var profileName: String?
        var arguments: [String]
        var localPool: String?
        var localWorkers: Bool
        var output: URL
        var registrationTimeout: UInt64
        var quiet: Bool
    }

    enum Outcome: Sendable {
        case complete
        case aborted(CoordinatorStateMachine.Abort)
    }

    /// Clock probes per worker at registration.
    static let clockProbes = 8

    let configuration: Configuration
    let outcomes: AsyncStream<Outcome>
    private let outcomeSink: AsyncStream<Outcome>.Continuation
    private let lock = NIOLock()
    private var machine: CoordinatorStateMachine
    private var outbound: [Int: NIOAsyncChannelOutboundWriter<CoordinationMessage>] = [:]
    private var probes: [Int: (id: Int, sent: Int64, estimate: ClockOffsetEstimate)] = [:]
    /// Each worker's latest count of its sessions online at the MP (`mp_online`), when it polls.
    private var lastMPOnline: [Int: Int] = [:]
    private var writers: [Int: RunReportWriter] = [:]
    private var lastCounters: [Int: CounterSnapshot] = [:]
    private var lastIntervalEnd: [Int: Double] = [:]
    private var pending: [MetricName: HistogramSnapshot] = [:]
    private var previousLive = CounterSnapshot()
    private var nextConnection = 0
    let exporter: PrometheusExporter
    let live: LiveViewPrinter

    init(configuration: Configuration, exporter: PrometheusExporter) {
        self.configuration = configuration
        self.exporter = exporter
        self.live = LiveViewPrinter(enabled: !configuration.quiet)
        (outcomes, outcomeSink) = AsyncStream.makeStream(of: Outcome.self)
        machine = CoordinatorStateMachine(
            workerCount: configuration.workerCount,
            now: BGBTimeStamp.currentEpochNanoseconds(),
            registrationTimeoutNanoseconds: Int64(configuration.registrationTimeout)
        )
    }

    var state: CoordinatorStateMachine { lock.withLock { machine } }

    // MARK: Connections

    /// Serves one worker connection until it closes.
    func serve(_ channel: CoordinationChannel) async {
        let connection = lock.withLock { () -> Int in
            nextConnection += 1
            return nextConnection
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                lock.withLock { self.outbound[connection] = outbound }
                for try await message in inbound {
                    await handle(message, from: connection)
                }
            }
        } catch {
            // The connection failed: the same as closed.
        }
        let actions = lock.withLock { () -> [CoordinatorStateMachine.Action] in
            outbound[connection] = nil
            return machine.connectionClosed(connection)
        }
        await perform(actions)
    }

    func handle(_ message: CoordinationMessage, from connection: Int) async {
        let now = BGBTimeStamp.currentEpochNanoseconds()
        var actions: [CoordinatorStateMachine.Action] = []
        var reply: CoordinationMessage?
        lock.withLock {
            let index = machine.index(of: connection)
            if let index { machine.heard(index: index, now: now) }
            switch message {
            case .register(let register):
                actions = machine.registered(register, connection: connection, now: now)
                if case .measureClock? = actions.first {
                    log("worker \(register.index) registered from \(register.host) (pid \(register.pid))")
                }
            case .pong(let pong):
                guard let index, var probe = probes[connection], probe.id == pong.id else { return }
                probe.estimate.add(sent: probe.sent, worker: pong.workerEpochNanoseconds, received: now)
                if probe.estimate.samples < Self.clockProbes {
                    probe.id += 1
                    probe.sent = BGBTimeStamp.currentEpochNanoseconds()
                    probes[connection] = probe
                    reply = .ping(.init(id: probe.id))
                } else {
                    probes[connection] = nil
                    actions = machine.clockMeasured(index: index, estimate: probe.estimate, now: now)
                }
            case .ready(let ready):
                guard let index else { return }
                actions = machine.ready(index: index, sessions: ready.sessions, now: now)
            case .started(let started):
                guard let index else { return }
                machine.started(index: index, workerEpoch: started.epochNanoseconds, now: now)
                if let skew = machine.startSkewNanoseconds {
                    log(String(format: "every worker started; start skew %.1f ms", Double(skew) / 1e6))
                }
            case .interval(let interval):
                guard let index, let decoded = try? interval.record() else { return }
                record(decoded, worker: index)
            case .finished(let finished):
                guard let index else { return }
                finish(worker: index, finished)
                actions = machine.finished(index: index, now: now)
                outbound[connection]?.finish()
            case .failed(let failure):
                guard let index else { return }
                log("worker \(index) failed: \(failure.message)")
                actions = machine.failed(index: index, failure: failure)
            default:
                break
            }
        }
        if let reply { try? await send(reply, to: connection) }
        await perform(actions)
    }

    // MARK: Actions

    func perform(_ actions: [CoordinatorStateMachine.Action]) async {
        for action in actions {
            switch action {
            case .reject(let connection, let failure):
                stderrLine("bgbfleet: refused a worker: \(failure.message)")
                try? await send(.rejected(failure), to: connection)
                lock.withLock { outbound[connection]?.finish() }
            case .measureClock(let index):
                let connection = lock.withLock { () -> Int? in
                    guard let connection = machine.workers[index]?.connection else { return nil }
                    probes[connection] = (1, BGBTimeStamp.currentEpochNanoseconds(), ClockOffsetEstimate())
                    return connection
                }
                if let connection { try? await send(.ping(.init(id: 1)), to: connection) }
            case .assign(let index):
                let connection = lock.withLock { machine.workers[index]?.connection }
                let assignment = CoordinationMessage.Assignment(
                    runID: configuration.runID, index: index, count: configuration.workerCount,
                    profileYAML: configuration.profileYAML, profileName: configuration.profileName,
                    arguments: configuration.arguments, identities: configuration.localPool, quiet: configuration.localWorkers
                )
                if let connection { try? await send(.assign(assignment), to: connection) }
            case .start(let epoch):
                let starts = lock.withLock { () -> [(Int, Int64)] in
                    let startDate = Date(timeIntervalSince1970: Double(epoch) / 1e9)
                    for index in machine.workers.keys {
                        writers[index] = try? RunReportWriter(directory: workerDirectory(index), startTime: startDate)
                    }
                    return machine.workers.map { ($0.value.connection, $0.value.clock.workerTime(epoch)) }
                }
                let offsets = lock.withLock {
                    machine.workers.sorted { $0.key < $1.key }.map { String(format: "%.1f±%.1f", Double($0.value.clock.offsetNanoseconds) / 1e6, Double($0.value.clock.uncertaintyNanoseconds) / 1e6) }
                }
                log("every worker is ready; start in \((epoch - BGBTimeStamp.currentEpochNanoseconds()) / 1_000_000) ms (clock offsets, ms: \(offsets.joined(separator: ", ")))")
                for (connection, workerEpoch) in starts {
                    try? await send(.start(.init(epochNanoseconds: workerEpoch)), to: connection)
                }
            case .stopAll(let reason):
                let connections = lock.withLock { Array(outbound.keys) }
                for connection in connections { try? await send(.stop(.init(reason: reason)), to: connection) }
            case .lost(let index, let reason):
                lock.withLock {
                    log("worker \(index) lost (\(reason)); its data so far is kept")
                    finishLost(worker: index, reason: reason)
                    if let connection = machine.workers[index]?.connection { outbound[connection]?.finish() }
                }
            case .abort(let abort):
                outcomeSink.yield(.aborted(abort))
            case .complete:
                outcomeSink.yield(.complete)
            }
        }
    }

    func send(_ message: CoordinationMessage, to connection: Int) async throws {
        guard let writer = lock.withLock({ outbound[connection] }) else { return }
        try await writer.write(message)
    }

    /// Once a second: deadlines and silent workers, the heartbeat, the merged live line.
    func tick() async {
        let now = BGBTimeStamp.currentEpochNanoseconds()
        let (actions, connections, line) = lock.withLock { () -> ([CoordinatorStateMachine.Action], [Int], String?) in
            let actions = machine.tick(now: now)
            guard machine.phase == .running, let start = machine.startInstant, now >= start else {
                return (actions, Array(outbound.keys), nil)
            }
            var counters = CounterSnapshot()
            for snapshot in lastCounters.values { counters.merge(snapshot) }
            let elapsed = Double(now - start) / 1e9
            let interval = IntervalRecord(start: elapsed - 1, length: 1, histograms: pending, counters: counters)
            pending = [:]
            let running = machine.workers.values.filter { $0.state == .running }.count
            var line = LiveLine.render(elapsed: elapsed, interval: interval, previous: previousLive, total: configuration.profile.sessions)
            // Each worker polls the MP for its own sessions: their sum is the fleet's.
            if !lastMPOnline.isEmpty { line += " | MP online \(lastMPOnline.values.reduce(0, +))" }
            line += " | \(running)/\(configuration.workerCount) workers"
            previousLive = counters
            return (actions, Array(outbound.keys), line)
        }
        for connection in connections { try? await send(.ping(.init(id: 0)), to: connection) }
        if let line { live.show(line, final: false) }
        await perform(actions)
    }

    func stopRequested() async {
        await perform(lock.withLock { machine.stopRequested() })
    }

    /// Closes every connection still open.
    func closeAll() {
        lock.withLock { for writer in outbound.values { writer.finish() } }
    }

    // MARK: Reports (with the lock held)

    func workerDirectory(_ index: Int) -> URL {
        configuration.output.appendingPathComponent("worker-\(index)")
    }

    private func record(_ record: IntervalRecord, worker index: Int) {
        do {
            try writers[index]?.append(record)
        } catch {
            log("cannot write worker \(index)'s interval: \(error)")
        }
        exporter.update(record, worker: String(index))
        lastCounters[index] = record.counters
        if let online = record.mpOnline { lastMPOnline[index] = online }
        lastIntervalEnd[index] = record.start + record.length
        for (metric, histogram) in record.histograms {
            pending[metric, default: HistogramSnapshot(layout: histogram.layout)].merge(histogram)
        }
    }

    private func finish(worker index: Int, _ finished: CoordinationMessage.Finished) {
        guard let writer = writers.removeValue(forKey: index), let worker = machine.workers[index] else { return }
        lastCounters[index] = finished.counters
        var plan = finished.plan
        plan["worker"] = "\(index) (\(worker.host))"
        do {
            try writer.finish(
                counters: finished.counters,
                endTime: Date(timeIntervalSince1970: Double(worker.clock.coordinatorTime(finished.endEpochNanoseconds)) / 1e9),
                plan: plan,
                sessions: (try? SessionReportRow.parse(csv: finished.sessionsCSV)) ?? [],
                pushes: onCoordinatorClock((try? PushReportRow.parse(csv: finished.pushesCSV)) ?? [], worker: worker),
                interrupted: finished.interrupted ?? false,
                peakSignedIn: finished.peakSignedIn
            )
        } catch {
            log("cannot write worker \(index)'s report: \(error)")
        }
    }

    /// A worker names each trigger by its scheduled time on its own clock (the start instant it
    /// was sent, plus the trigger's offset), written to whole milliseconds in pushes.csv. Re-based
    /// on the start instant of the coordinator's clock and snapped to the nearest firing of the
    /// plan every worker shares, every worker names the same trigger alike, so the merged
    /// pushes.csv has one row per trigger whatever the clock offsets and the sub-millisecond part
    /// of each worker's start (rounding alone split one trigger into two rows a millisecond apart).
    private func onCoordinatorClock(_ rows: [PushReportRow], worker: CoordinatorStateMachine.Worker) -> [PushReportRow] {
        guard let start = machine.startInstant else { return rows }
        let profile = configuration.profile
        return Self.rebased(
            rows,
            workerStart: Double(worker.clock.workerTime(start)) / 1e9,
            coordinatorStart: Double(start) / 1e9,
            planned: profile.triggers.flatMap { $0.firings(within: profile.duration) }.map { Double($0) / 1e9 }
        )
    }

    /// `rows` of a worker that started at `workerStart` (its clock, seconds since 1970), named on
    /// the coordinator's clock: each offset snapped to the nearest `planned` firing offset within
    /// 2 ms (pushes.csv keeps whole milliseconds), otherwise kept to the millisecond.
    static func rebased(_ rows: [PushReportRow], workerStart: Double, coordinatorStart: Double, planned: [Double]) -> [PushReportRow] {
        rows.map { row in
            var row = row
            let measured = row.triggerTime.timeIntervalSince1970 - workerStart
            let nearest = planned.min { abs($0 - measured) < abs($1 - measured) }
            let offset = nearest.flatMap { abs($0 - measured) < 0.002 ? $0 : nil } ?? (measured * 1000).rounded() / 1000
            row.triggerTime = Date(timeIntervalSince1970: coordinatorStart + offset)
            return row
        }
    }

    private func finishLost(worker index: Int, reason: String) {
        guard let writer = writers.removeValue(forKey: index), let worker = machine.workers[index] else { return }
        let end = writer.startTime.addingTimeInterval(lastIntervalEnd[index] ?? 0)
        do {
            try writer.finish(
                counters: lastCounters[index] ?? CounterSnapshot(),
                endTime: end,
                plan: ["worker": "\(index) (\(worker.host))", "lost": reason, "shard": "\(index + 1)/\(configuration.workerCount)"],
                sessions: [],
                pushes: []
            )
        } catch {
            log("cannot write lost worker \(index)'s report: \(error)")
        }
    }

    private func log(_ message: String) { live.log(message) }
}
