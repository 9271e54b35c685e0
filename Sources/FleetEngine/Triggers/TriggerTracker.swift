import Atomics
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers

/// One trigger fired during the run and what came of it.
public final class TriggerRecord: Sendable {
    public let time: Date
    public let type: Int
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
    /// Online targets: the MP's `TotalClients − OfflineClients` when it reports them at once (the
    /// simulator does), otherwise the sessions signed in here when the trigger was sent.
    public var targets: Int { targetCount.load(ordering: .relaxed) }
    let targetCount: ManagedAtomic<Int>
    public let reached = ManagedAtomic<Int>(0)
    public let answered = ManagedAtomic<Int>(0)
    public let fanout = AtomicHistogram()
    let pushID = ManagedAtomic<Int64>(-1)
    let taskType = ManagedAtomic<Int64>(Int64.min)

    public init(time: Date, type: Int, sentAt: UInt64, targets: Int) {
        self.time = time
        self.type = type
        self.sentAt = sentAt
        self.targetCount = ManagedAtomic(targets)
    }

    /// The report row.
    public var row: PushReportRow {
        let snapshot = fanout.snapshot()
        let taskType = self.taskType.load(ordering: .relaxed)
        return PushReportRow(
            triggerTime: time,
            type: String(type),
            taskType: taskType == Int64.min ? "" : String(taskType),
            targets: targets,
            reached: reached.load(ordering: .relaxed),
            answered: answered.load(ordering: .relaxed),
            fanoutP50: snapshot.totalCount == 0 ? 0 : snapshot.valueAtPercentile(50),
            fanoutP99: snapshot.totalCount == 0 ? 0 : snapshot.valueAtPercentile(99),
            fanoutMax: snapshot.totalCount == 0 ? 0 : snapshot.max
        )
    }
}

/// Matches pushes received by sessions to the triggers that caused them, by PushID.
///
/// A push whose PushID no trigger has claimed is matched to the latest trigger that has none yet
/// (the MP assigns one PushID per operation); a push from outside the run (no trigger pending)
/// is still answered and timed (`response`), just not attributed.
public final class TriggerTracker: Sendable {
    private let state = NIOLockedValueBox<[TriggerRecord]>([])
    /// How many records there are: pushes from outside the run (no trigger of ours) are matched
    /// without taking the lock, which every event loop would otherwise contend for on every push.
    private let count = ManagedAtomic<Int>(0)

    public init() {}

    public func add(_ record: TriggerRecord) {
        state.withLockedValue { records in
            records.append(record)
            count.store(records.count, ordering: .relaxed)
        }
    }

    public var records: [TriggerRecord] { state.withLockedValue { $0 } }

    /// The trigger a push belongs to, or nil.
    public func trigger(forPushID pushID: Int32, taskType: Int32) -> TriggerRecord? {
        guard count.load(ordering: .relaxed) > 0 else { return nil }
        return state.withLockedValue { records in
            if let match = records.last(where: { $0.pushID.load(ordering: .relaxed) == Int64(pushID) }) { return match }
            guard let open = records.last(where: { $0.pushID.load(ordering: .relaxed) == -1 }) else { return nil }
            open.pushID.store(Int64(pushID), ordering: .relaxed)
            open.taskType.store(Int64(taskType), ordering: .relaxed)
            return open
        }
    }
}

extension TriggerTracker {
    /// Forgets a trigger whose request failed.
    public func remove(_ record: TriggerRecord) {
        state.withLockedValue { records in
            records.removeAll { $0 === record }
            count.store(records.count, ordering: .relaxed)
        }
    }
}
