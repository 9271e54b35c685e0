import Atomics
import FleetMetrics
import Foundation

/// One trigger fired during the run and what came of it.
///
/// Every field the push path touches is an atomic; the record itself holds no histogram (the
/// tracker lends it one of a few fan-out histograms while it is recent, see ``TriggerTracker``),
/// so a run that fires a trigger every second for a day keeps a few hundred bytes per firing.
public final class TriggerRecord: Sendable {
    /// The firing's position in the run's schedule (0, 1, 2, …).
    public let ordinal: Int
    public let type: Int
    private let timeNanoseconds: Int64
    /// When the trigger fired (its scheduled time in a multi-process run).
    public var time: Date { Date(timeIntervalSince1970: Double(timeNanoseconds) / 1e9) }
    /// Monotonic time the trigger request was sent: T0 of `fanout` and `e2e`.
    ///
    /// The design names the MP's acceptance (OperationID returned) as T0; the simulator starts
    /// its fan-out before its HTTP answer leaves, so pushes can arrive before acceptance. Timing
    /// from the send keeps every sample non-negative and includes the trigger API's own latency,
    /// which is what an administrator pressing the button experiences. ``acceptedAt`` is kept too.
    public let sentAt: UInt64
    /// Monotonic time the OperationID came back (0 until then).
    public let acceptedAt = ManagedAtomic<UInt64>(0)
    public let operationID = ManagedAtomic<UInt32>(0)
    /// This process's fleet sessions the trigger targets that were signed in when it fired: each
    /// shard of a multi-process run counts its own, so the sum over shards is the fleet's.
    public var targets: Int { targetCount.load(ordering: .relaxed) }
    let targetCount: ManagedAtomic<Int>
    public let reached = ManagedAtomic<Int>(0)
    public let answered = ManagedAtomic<Int>(0)
    /// -1 until the first push claims the record; -2 once the trigger request failed.
    let pushID = ManagedAtomic<Int64>(-1)
    let taskType = ManagedAtomic<Int64>(Int64.min)
    /// The fan-out histogram lent by the tracker while this record is recent.
    fileprivate let fanouts: FanoutSlots
    /// Fan-out percentiles kept once the histogram went back to the tracker (nil until then).
    fileprivate let kept = ManagedAtomicLazyReference<KeptFanout>()

    init(ordinal: Int, type: Int, time: Date, sentAt: UInt64, targets: Int, fanouts: FanoutSlots) {
        self.ordinal = ordinal
        self.type = type
        self.timeNanoseconds = Int64(time.timeIntervalSince1970 * 1e9)
        self.sentAt = sentAt
        self.targetCount = ManagedAtomic(targets)
        self.fanouts = fanouts
    }

    /// Records one push's fan-out (trigger sent → push received) in the trigger's own histogram,
    /// while it still has one. Lock-free: one atomic load and one atomic increment.
    public func recordFanout(_ nanoseconds: UInt64) {
        fanouts.record(nanoseconds, ordinal: ordinal)
    }

    /// The report row.
    public var row: PushReportRow {
        let fanout = kept.load() ?? KeptFanout(fanouts.snapshot(ordinal: ordinal))
        let taskType = self.taskType.load(ordering: .relaxed)
        return PushReportRow(
            triggerTime: time,
            type: String(type),
            taskType: taskType == Int64.min ? "" : String(taskType),
            targets: targets,
            reached: reached.load(ordering: .relaxed),
            answered: answered.load(ordering: .relaxed),
            fanoutP50: fanout.p50,
            fanoutP99: fanout.p99,
            fanoutMax: fanout.max
        )
    }
}

/// The fan-out percentiles a record keeps after its histogram is reused.
final class KeptFanout: Sendable {
    let p50: UInt64
    let p99: UInt64
    let max: UInt64

    init(_ snapshot: HistogramSnapshot?) {
        guard let snapshot, snapshot.totalCount > 0 else {
            (p50, p99, max) = (0, 0, 0)
            return
        }
        p50 = snapshot.valueAtPercentile(50)
        p99 = snapshot.valueAtPercentile(99)
        max = snapshot.max
    }
}

/// A few fan-out histograms lent to the most recent triggers in turn (firing k uses slot k mod n).
///
/// When firing k takes a slot, the record that held it keeps its percentiles and the histogram is
/// emptied for k. A push of the older trigger that races with the hand-over can land in the new
/// trigger's histogram (at most the few samples in flight at that instant).
final class FanoutSlots: Sendable {
    let histograms: [AtomicHistogram]
    /// The ordinal of the record holding each slot; -1: none.
    private let owners: [ManagedAtomic<Int>]

    init(count: Int) {
        histograms = (0..<count).map { _ in AtomicHistogram() }
        owners = (0..<count).map { _ in ManagedAtomic(-1) }
    }

    func record(_ nanoseconds: UInt64, ordinal: Int) {
        guard !histograms.isEmpty else { return }
        let slot = ordinal % histograms.count
        guard owners[slot].load(ordering: .acquiring) == ordinal else { return }
        histograms[slot].record(nanoseconds)
    }

    func snapshot(ordinal: Int) -> HistogramSnapshot? {
        guard !histograms.isEmpty else { return nil }
        let slot = ordinal % histograms.count
        guard owners[slot].load(ordering: .acquiring) == ordinal else { return nil }
        return histograms[slot].snapshot()
    }

    /// Gives the slot of `ordinal` to it; returns the previous holder's ordinal and its counts.
    func take(for ordinal: Int) -> (previous: Int, counts: HistogramSnapshot)? {
        guard !histograms.isEmpty else { return nil }
        let slot = ordinal % histograms.count
        let previous = owners[slot].exchange(-1, ordering: .acquiringAndReleasing)
        let counts = histograms[slot].snapshotAndReset()
        owners[slot].store(ordinal, ordering: .releasing)
        return previous >= 0 ? (previous, counts) : nil
    }
}

/// Matches pushes received by sessions to the triggers that caused them, by PushID, without a lock.
///
/// The run's schedule fixes how many triggers can fire; each has a slot that is written once, when
/// it fires, and published by one atomic counter. A push looks at the last ``matchWindow`` firings
/// only: the one whose PushID it carries, or else the latest that no push has claimed yet (the MP
/// assigns one PushID per operation), which it claims with one compare-and-exchange. A push from
/// outside the run (nothing fired, or no PushID of ours) is still answered and timed (`response`),
/// just not attributed. Memory: a small record per firing, and ``liveFanoutHistograms`` histograms
/// whatever the number of firings.
public final class TriggerTracker: Sendable {
    /// How many recent firings a push is matched against.
    public static let matchWindow = 16
    /// How many per-trigger fan-out histograms exist at once (the most recent firings hold them).
    public static let liveFanoutHistograms = 8

    private let slots: [ManagedAtomicLazyReference<TriggerRecord>]
    /// Firings decided so far (fired or failed): slots below it are set.
    private let decided = ManagedAtomic<Int>(0)
    let fanouts: FanoutSlots

    /// A tracker for up to `capacity` firings.
    public init(capacity: Int) {
        precondition(capacity >= 0, "capacity \(capacity)")
        slots = (0..<capacity).map { _ in ManagedAtomicLazyReference() }
        fanouts = FanoutSlots(count: min(capacity, Self.liveFanoutHistograms))
    }

    /// How many firings the tracker has room for.
    public var capacity: Int { slots.count }

    /// Publishes firing number `ordinal` (firings are added in order, from one task) and returns
    /// its record; pushes are matched to it from now on.
    @discardableResult
    public func fire(ordinal: Int, type: Int, time: Date, sentAt: UInt64, targets: Int) -> TriggerRecord {
        precondition(ordinal >= 0 && ordinal < slots.count, "firing \(ordinal) of \(slots.count)")
        precondition(ordinal >= decided.load(ordering: .relaxed), "firings are added in order")
        let record = TriggerRecord(ordinal: ordinal, type: type, time: time, sentAt: sentAt, targets: targets, fanouts: fanouts)
        if let (previous, counts) = fanouts.take(for: ordinal), let old = slots[previous].load() {
            _ = old.kept.storeIfNilThenLoad(KeptFanout(counts))
        }
        _ = slots[ordinal].storeIfNilThenLoad(record)
        decided.store(ordinal + 1, ordering: .releasing)
        return record
    }

    /// Marks a fired trigger whose request failed: it is matched no more and not reported.
    public func fail(_ record: TriggerRecord) {
        record.pushID.store(-2, ordering: .relaxed)
    }

    /// The triggers that fired (not those whose request failed), in order.
    public var records: [TriggerRecord] {
        let count = decided.load(ordering: .acquiring)
        return (0..<count).compactMap { slots[$0].load() }.filter { $0.pushID.load(ordering: .relaxed) != -2 }
    }

    /// The trigger a push belongs to, or nil. Lock-free.
    public func trigger(forPushID pushID: Int32, taskType: Int32) -> TriggerRecord? {
        let count = decided.load(ordering: .acquiring)
        guard count > 0 else { return nil }
        let wanted = Int64(pushID)
        // Two passes at most: a claim lost to a concurrent push of another PushID looks again.
        for _ in 0..<2 {
            var open: TriggerRecord?
            for ordinal in stride(from: count - 1, through: max(0, count - Self.matchWindow), by: -1) {
                guard let record = slots[ordinal].load() else { continue }
                let claimed = record.pushID.load(ordering: .relaxed)
                if claimed == wanted { return record }
                if claimed == -1, open == nil { open = record }
            }
            guard let open else { return nil }
            let (exchanged, original) = open.pushID.compareExchange(expected: -1, desired: wanted, ordering: .relaxed)
            if exchanged {
                open.taskType.store(Int64(taskType), ordering: .relaxed)
                return open
            }
            if original == wanted { return open }
        }
        return nil
    }
}
