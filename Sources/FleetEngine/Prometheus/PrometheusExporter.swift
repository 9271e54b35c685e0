import CoreMetrics
import FleetMetrics
import NIOConcurrencyHelpers
import Prometheus

/// Publishes a run's live numbers as Prometheus metrics, through swift-metrics backed by a
/// swift-prometheus registry.
///
/// Updated once per interval from the engine's snapshots (never from the record path):
/// - `bgbfleet_sessions{state}`: sessions by state (gauge);
/// - `bgbfleet_<counter>_total`: pushes received, responses sent, keep-alives, bytes… (counters);
/// - `bgbfleet_errors_total{reason}`: failures by reason (counter);
/// - `bgbfleet_latency_seconds{metric,quantile}`: p50/p90/p99/max of the last interval (gauges, the
///   Prometheus summary convention), with `bgbfleet_latency_count_total{metric}` (counter).
public final class PrometheusExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let previous = NIOLockedValueBox(CounterSnapshot())

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Publishes one interval.
    public func update(_ interval: IntervalRecord) {
        let counters = interval.counters
        for state in SessionState.allCases {
            Gauge(label: "bgbfleet_sessions", dimensions: [("state", state.rawValue)], factory: factory)
                .record(Double(counters[state: state]))
        }
        let before = previous.withLockedValue { previous in
            defer { previous = counters }
            return previous
        }
        for counter in FleetCounter.allCases {
            let delta = counters[counter] &- before[counter]
            if delta > 0 {
                Counter(label: "bgbfleet_\(counter.rawValue)_total", dimensions: [], factory: factory)
                    .increment(by: Int64(clamping: delta))
            }
        }
        for reason in FailureReason.allCases {
            let delta = counters[error: reason] &- before[error: reason]
            let counter = Counter(label: "bgbfleet_errors_total", dimensions: [("reason", reason.rawValue)], factory: factory)
            if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
        }
        for (metric, histogram) in interval.histograms {
            let quantiles: [(String, UInt64)] =
                histogram.isEmpty
                ? [("0.5", 0), ("0.9", 0), ("0.99", 0), ("1", 0)]
                : [
                    ("0.5", histogram.valueAtPercentile(50)), ("0.9", histogram.valueAtPercentile(90)),
                    ("0.99", histogram.valueAtPercentile(99)), ("1", histogram.max),
                ]
            for (quantile, value) in quantiles {
                Gauge(
                    label: "bgbfleet_latency_seconds",
                    dimensions: [("metric", metric.rawValue), ("quantile", quantile)],
                    factory: factory
                ).record(Double(value) / 1e9)
            }
            let count = Counter(label: "bgbfleet_latency_count_total", dimensions: [("metric", metric.rawValue)], factory: factory)
            if histogram.totalCount > 0 { count.increment(by: Int64(clamping: histogram.totalCount)) }
        }
    }

    /// The text exposition format.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
