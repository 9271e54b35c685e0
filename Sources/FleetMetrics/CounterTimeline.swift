import Foundation

/// One row of `timeline.csv`: the counters at the end of one interval.
///
/// Columns: `interval_start_s` (seconds since the run start), `interval_s` (length), then
/// `sessions.<state>` (gauges: sessions in that state at the interval's end), `errors.<reason>`
/// and every ``FleetCounter`` name (cumulative since the run start). Rates are differences of
/// consecutive rows over the interval length. The names are the threshold subjects.
public struct TimelineRow: Sendable, Equatable {
    /// Interval start, seconds since the run start.
    public var start: Double
    /// Interval length, seconds.
    public var length: Double
    /// Gauges and cumulative counters at the interval's end.
    public var counters: CounterSnapshot

    /// Creates a row.
    public init(start: Double, length: Double, counters: CounterSnapshot) {
        self.start = start
        self.length = length
        self.counters = counters
    }

    /// Column names of `timeline.csv`.
    public static let header: [String] = ["interval_start_s", "interval_s"]
        + SessionState.allCases.map { "sessions.\($0.rawValue)" }
        + FailureReason.allCases.map { "errors.\($0.rawValue)" }
        + FleetCounter.allCases.map(\.rawValue)

    /// The row's CSV fields.
    public var fields: [String] {
        [Format.fixed(start, 3), Format.fixed(length, 3)]
            + SessionState.allCases.map { String(counters[state: $0]) }
            + FailureReason.allCases.map { String(counters[error: $0]) }
            + FleetCounter.allCases.map { String(counters[$0]) }
    }

    /// Parses `timeline.csv`. Columns may come in any order; unknown columns are ignored and a
    /// missing counter column reads as 0 (a file from a version with fewer counters).
    public static func parse(csv text: String) throws(CSVError) -> [TimelineRow] {
        let table = try CSVTable(parsing: text)
        let start = try table.column("interval_start_s")
        let length = try table.column("interval_s")
        let states = SessionState.allCases.compactMap { state in table.header.firstIndex(of: "sessions.\(state.rawValue)").map { (state, $0) } }
        let errors = FailureReason.allCases.compactMap { reason in table.header.firstIndex(of: "errors.\(reason.rawValue)").map { (reason, $0) } }
        let counters = FleetCounter.allCases.compactMap { counter in table.header.firstIndex(of: counter.rawValue).map { (counter, $0) } }
        return try table.rows.map { row throws(CSVError) in
            func number<T: LosslessStringConvertible>(_ index: Int, _: T.Type) throws(CSVError) -> T {
                guard let value = T(row[index]) else { throw .invalidValue(column: table.header[index], value: row[index]) }
                return value
            }
            var snapshot = CounterSnapshot()
            for (state, index) in states { snapshot.states[state] = try number(index, Int64.self) }
            for (reason, index) in errors { snapshot.errors[reason] = try number(index, UInt64.self) }
            for (counter, index) in counters { snapshot.counters[counter] = try number(index, UInt64.self) }
            let startValue = try number(start, Double.self)
            let lengthValue = try number(length, Double.self)
            guard startValue.isFinite, lengthValue.isFinite, lengthValue >= 0 else {
                throw .invalidValue(column: "interval_s", value: row[length])
            }
            return TimelineRow(start: startValue, length: lengthValue, counters: snapshot)
        }
    }
}

extension TimelineRow {
    /// Merges the timelines of several runs on a grid: `slot(run, row)` gives each row's slot;
    /// every slot of the result sums, over the runs, each run's latest row at or before that slot
    /// (zero before a run's first row, its last row after its end). Gauges and cumulative
    /// counters both add up this way.
    static func merge(_ timelines: [[TimelineRow]], grid: Double, slot: (Int, TimelineRow) -> Int) -> [TimelineRow] {
        var slotted: [[(slot: Int, row: TimelineRow)]] = []
        var allSlots = Set<Int>()
        for (run, rows) in timelines.enumerated() {
            let placed = rows.map { (slot: slot(run, $0), row: $0) }.sorted { $0.slot < $1.slot }
            for entry in placed { allSlots.insert(entry.slot) }
            slotted.append(placed)
        }
        var cursors = [Int](repeating: 0, count: slotted.count)
        var result: [TimelineRow] = []
        for slot in allSlots.sorted() {
            var sum = CounterSnapshot()
            for run in slotted.indices {
                while cursors[run] < slotted[run].count, slotted[run][cursors[run]].slot <= slot { cursors[run] += 1 }
                if cursors[run] > 0 { sum.merge(slotted[run][cursors[run] - 1].row.counters) }
            }
            result.append(TimelineRow(start: Double(slot) * grid, length: grid, counters: sum))
        }
        return result
    }
}
