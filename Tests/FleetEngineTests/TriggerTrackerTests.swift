import Foundation
import Testing

@testable import FleetEngine

/// The push path's trigger matching: lock-free, bounded memory whatever the number of firings.
@Suite struct TriggerTrackerTests {
    func fire(_ tracker: TriggerTracker, _ ordinal: Int) -> TriggerRecord {
        tracker.fire(ordinal: ordinal, type: 8, time: Date(), sentAt: 1_000, targets: 10)
    }

    @Test("a push claims the latest unclaimed trigger, later pushes of its PushID find it; pushes from outside the run match nothing")
    func matching() {
        let tracker = TriggerTracker(capacity: 4)
        #expect(tracker.trigger(forPushID: 7, taskType: 1) == nil)
        let first = fire(tracker, 0)
        #expect(tracker.trigger(forPushID: 7, taskType: 1) === first)
        #expect(tracker.trigger(forPushID: 7, taskType: 1) === first)
        #expect(tracker.trigger(forPushID: 8, taskType: 1) == nil)  // no trigger of ours is open
        let second = fire(tracker, 1)
        #expect(tracker.trigger(forPushID: 8, taskType: 15) === second)
        #expect(tracker.trigger(forPushID: 7, taskType: 1) === first)
        #expect(second.row.taskType == "15")
        // A trigger whose request failed is neither matched nor reported.
        let third = fire(tracker, 2)
        tracker.fail(third)
        #expect(tracker.trigger(forPushID: 9, taskType: 1) == nil)
        #expect(tracker.records.map(\.ordinal) == [0, 1])
    }

    @Test("pushes racing on many threads all find the one trigger, which one of them claimed")
    func concurrentClaims() async {
        let tracker = TriggerTracker(capacity: 1)
        let record = fire(tracker, 0)
        let found = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var hits = 0
                    for _ in 0..<1_000 where tracker.trigger(forPushID: 42, taskType: 1) === record { hits += 1 }
                    return hits
                }
            }
            return await group.reduce(0, +)
        }
        #expect(found == 8_000)
    }

    @Test("a trigger every second keeps memory bounded: a few fan-out histograms in all, older triggers keep their percentiles")
    func boundedMemory() {
        let firings = 600  // ten minutes of a trigger every second
        let tracker = TriggerTracker(capacity: firings)
        #expect(tracker.fanouts.histograms.count == TriggerTracker.liveFanoutHistograms)
        for ordinal in 0..<firings {
            let record = fire(tracker, ordinal)
            for value in 1...10 { record.recordFanout(UInt64(value) * 1_000_000 * UInt64(ordinal % 7 + 1)) }
        }
        #expect(tracker.fanouts.histograms.count == TriggerTracker.liveFanoutHistograms)
        let rows = tracker.records.map(\.row)
        #expect(rows.count == firings)
        // The first trigger's histogram was reused long ago; its row kept the percentiles.
        #expect(rows[0].fanoutMax >= 9_990_000 && rows[0].fanoutMax <= 10_010_000)
        #expect(rows[6].fanoutMax >= 69_900_000 && rows[6].fanoutMax <= 70_100_000)
        #expect(rows[firings - 1].fanoutP50 > 0)
    }
}
