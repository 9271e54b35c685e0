import CoreMetrics
import FleetMetrics
import NIOConcurrencyHelpers
import Prometheus

/// Publishes a run's live numbers as Prometheus metrics: gauges and counters through swift-metrics
/// backed by a swift-prometheus registry, latencies as Prometheus histograms of its own.
///
/// Updated once per interval from the engine's snapshots (never from the record path). Every series
/// carries the labels `mp`, `run_id` and `worker`, so that a coordinator can publish every worker's
/// series side by side and sums over workers (`sum without (worker) (…)`) are exact:
/// - `bgbfleet_sessions{state}`: sessions by state (gauge);
/// - `bgbfleet_<counter>_total`: pushes received, responses sent, keep-alives, bytes… (counters);
/// - `bgbfleet_errors_total{reason}`: failures by reason (counter);
/// - `bgbfleet_latency_seconds{metric}`: every latency sample since the start as a histogram
///   (`_bucket{le}`, `_sum`, `_count`; buckets in ``latencyBuckets``), summable across workers and
///   scrapes — quantiles come from `histogram_quantile()`.
public final class PrometheusExporter: Sendable {
    /// Upper bounds (seconds) of the latency histogram buckets, `+Inf` implied.
    public static let latencyBuckets: [Double] = [
        0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]

    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The labels every series carries (besides `worker`).
    public let mp: String
    public let runID: String

    private struct Latency {
        /// Samples per bucket (not cumulative), the last one `+Inf`.
        var buckets = [UInt64](repeating: 0, count: PrometheusExporter.latencyBuckets.count + 1)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var previous: [String: CounterSnapshot] = [:]
        /// By worker, then metric.
        var latencies: [String: [MetricName: Latency]] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - mp: the target's name (`embedded` for the in-process simulator).
    ///   - runID: the run's ID (the report directory's name unless given).
    public init(mp: String = "", runID: String = "") {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        self.mp = mp
        self.runID = runID
    }

    /// Publishes one interval of `worker` (`"0"` in a single-process run).
    public func update(_ interval: IntervalRecord, worker: String = "0") {
        let counters = interval.counters
        let labels = [("mp", mp), ("run_id", runID), ("worker", worker)]
        for state in SessionState.allCases {
            Gauge(label: "bgbfleet_sessions", dimensions: [("state", state.rawValue)] + labels, factory: factory)
                .record(Double(counters[state: state]))
        }
        let before = state.withLockedValue { state in
            defer { state.previous[worker] = counters }
            return state.previous[worker] ?? CounterSnapshot()
        }
        for counter in FleetCounter.allCases {
            let delta = counters[counter] &- before[counter]
            let metric = Counter(label: "bgbfleet_\(counter.rawValue)_total", dimensions: labels, factory: factory)
            if delta > 0 { metric.increment(by: Int64(clamping: delta)) }
        }
        for reason in FailureReason.allCases {
            let delta = counters[error: reason] &- before[error: reason]
            let counter = Counter(label: "bgbfleet_errors_total", dimensions: [("reason", reason.rawValue)] + labels, factory: factory)
            if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
        }
        state.withLockedValue { state in
            for (metric, histogram) in interval.histograms {
                var latency = state.latencies[worker]?[metric] ?? Latency()
                Self.add(histogram, to: &latency)
                state.latencies[worker, default: [:]][metric] = latency
            }
        }
    }

    private static func add(_ histogram: HistogramSnapshot, to latency: inout Latency) {
        guard !histogram.isEmpty else { return }
        for (index, count) in histogram.counts.enumerated() where count > 0 {
            let seconds = Double(histogram.layout.value(atIndex: index)) / 1e9
            let bucket = latencyBuckets.firstIndex { seconds <= $0 } ?? latencyBuckets.count
            latency.buckets[bucket] += count
            latency.sum += seconds * Double(count)
            latency.count += count
        }
    }

    /// The text exposition format.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        buffer += Array(renderLatencies().utf8)
        return buffer
    }

    /// The latency histograms in the text exposition format.
    func renderLatencies() -> String {
        let latencies = state.withLockedValue { $0.latencies }
        guard !latencies.isEmpty else { return "" }
        var text = "# HELP bgbfleet_latency_seconds Latency samples since the run start, by metric (connect, signin, response, fanout, …).\n"
        text += "# TYPE bgbfleet_latency_seconds histogram\n"
        for worker in latencies.keys.sorted() {
            for (metric, latency) in latencies[worker]!.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let labels = "metric=\"\(Self.escape(metric.rawValue))\",mp=\"\(Self.escape(mp))\",run_id=\"\(Self.escape(runID))\",worker=\"\(Self.escape(worker))\""
                var cumulative: UInt64 = 0
                for (index, bound) in Self.latencyBuckets.enumerated() {
                    cumulative += latency.buckets[index]
                    text += "bgbfleet_latency_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
                }
                text += "bgbfleet_latency_seconds_bucket{\(labels),le=\"+Inf\"} \(latency.count)\n"
                text += "bgbfleet_latency_seconds_sum{\(labels)} \(latency.sum)\n"
                text += "bgbfleet_latency_seconds_count{\(labels)} \(latency.count)\n"
            }
        }
        return text
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
