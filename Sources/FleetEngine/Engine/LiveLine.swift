import FleetMetrics
import Foundation

/// The one-line live view printed every second (also by the parent of a multi-process run).
public enum LiveLine {
    /// One line: elapsed time, sessions by state, pushes/s and responses/s (from `previous`), response p50/p99, errors.
    public static func render(elapsed: Double, interval: IntervalRecord, previous: CounterSnapshot, total: Int) -> String {
        let counters = interval.counters
        func state(_ state: SessionState) -> Int64 { counters.states[state] ?? 0 }
        func rate(_ counter: FleetCounter) -> Int {
            let delta = Double((counters.counters[counter] ?? 0) &- (previous.counters[counter] ?? 0))
            return interval.length > 0 ? Int((delta / interval.length).rounded()) : 0
        }
        func percentile(_ value: Double) -> String {
            guard let response = interval.histograms[.response], response.totalCount > 0 else { return "-" }
            return String(format: "%.2f", Double(response.valueAtPercentile(value)) / 1e6)
        }
        let clock = String(format: "%3d:%02d", Int(elapsed) / 60, Int(elapsed) % 60)
        return "[\(clock)] signed-in \(state(.signedIn))/\(total)  connecting \(state(.connecting))  tls \(state(.tls))"
            + "  reconnecting \(state(.reconnecting))  failed \(state(.failed))"
            + " | pushes \(rate(.pushesReceived))/s  responses \(rate(.responsesSent))/s"
            + " | response p50 \(percentile(50)) p99 \(percentile(99)) ms | errors \(counters.errorsTotal)"
    }
}
