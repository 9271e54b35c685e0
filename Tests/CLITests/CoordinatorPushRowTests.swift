import FleetMetrics
import Foundation
import Testing

@testable import bgbfleet

@Suite("Coordinator: workers' push rows on the coordinator's clock")
struct CoordinatorPushRowTests {
    /// One worker's row for the trigger planned at `offset`, as the worker names it (its start plus
    /// the offset) and as it reaches the coordinator (through pushes.csv, whole milliseconds).
    static func workerRow(start: Double, offset: Double) throws -> PushReportRow {
        let row = PushReportRow(triggerTime: Date(timeIntervalSince1970: start + offset), type: "8", taskType: "",
                                targets: 10, reached: 10, answered: 10, fanoutP50: 0, fanoutP99: 0, fanoutMax: 0)
        let csv = PushReportRow.header.joined(separator: ",") + "\n" + row.fields.joined(separator: ",") + "\n"
        return try #require(try PushReportRow.parse(csv: csv).first)
    }

    @Test("workers whose starts differ below the millisecond name one trigger alike", arguments: [0.0001, 0.0004, 0.0006, 0.0009])
    func subMillisecondStarts(fraction: Double) async throws {
        let coordinatorStart = 1_796_000_000.25
        // Clock offsets of a few milliseconds, and sub-millisecond parts on both sides of a half.
        let workerStarts = [coordinatorStart + 0.003 + fraction, coordinatorStart - 0.0071 + fraction / 3, coordinatorStart + fraction]
        let planned = [2.0, 2.5]
        var times = Set<String>()
        for start in workerStarts {
            for offset in planned {
                let rows = Coordinator.rebased([try Self.workerRow(start: start, offset: offset)],
                                               workerStart: start, coordinatorStart: coordinatorStart, planned: planned)
                let time = rows[0].triggerTime.timeIntervalSince1970 - coordinatorStart
                #expect(abs(time - offset) < 1e-6, "worker at \(start) named the trigger at \(offset) s as \(time) s")
                times.insert(rows[0].fields[0])
            }
        }
        #expect(times.count == planned.count, "\(times.sorted())")
    }

    @Test("a row that matches no planned firing keeps its own offset, to the millisecond")
    func unplannedRowKeepsItsOffset() async throws {
        let start = 1_796_000_000.0004
        let rows = Coordinator.rebased([try Self.workerRow(start: start, offset: 7.25)],
                                       workerStart: start, coordinatorStart: 1_796_000_001, planned: [2])
        #expect(abs(rows[0].triggerTime.timeIntervalSince1970 - 1_796_000_008.25) < 0.0015)
    }
}
