import FleetEngine
import FleetMetrics
import NIOPosix
import Testing

@Suite("Prometheus exporter")
struct PrometheusTests {
    @Test("an interval becomes session gauges, counters and latency histograms in the text format, labelled mp, run_id, worker")
    func exports() {
        let metrics = FleetMetrics()
        metrics.counters.increment(.signedIn, by: 7)
        metrics.counters.add(.responsesSent, 5)
        metrics.counters.record(.tls)
        for value in [1_000_000, 2_000_000, 3_000_000] as [UInt64] { metrics.record(.response, nanoseconds: value) }
        let exporter = PrometheusExporter(mp: "mp1.example", runID: "run-7")
        exporter.update(metrics.takeInterval())
        let labels = #"mp="mp1.example",run_id="run-7",worker="0""#
        let text = String(decoding: exporter.render(), as: UTF8.self)
        #expect(text.contains(#"bgbfleet_sessions{state="signed_in","# + labels + "} 7.0"))
        #expect(text.contains("bgbfleet_responses_sent_total{" + labels + "} 5"))
        #expect(text.contains(#"bgbfleet_errors_total{reason="tls","# + labels + "} 1"))
        #expect(text.contains("# TYPE bgbfleet_latency_seconds histogram"))
        // 1, 2 and 3 ms: none up to 0.5 ms, one up to 1 ms, all three up to 5 ms.
        #expect(text.contains(#"bgbfleet_latency_seconds_bucket{metric="response","# + labels + #",le="0.0005"} 0"#))
        #expect(text.contains(#"bgbfleet_latency_seconds_bucket{metric="response","# + labels + #",le="0.001"} 1"#))
        #expect(text.contains(#"bgbfleet_latency_seconds_bucket{metric="response","# + labels + #",le="0.005"} 3"#))
        #expect(text.contains(#"bgbfleet_latency_seconds_bucket{metric="response","# + labels + #",le="+Inf"} 3"#))
        #expect(text.contains(#"bgbfleet_latency_seconds_count{metric="response","# + labels + "} 3"))
        // Counters and histograms accumulate deltas, never re-add the running total.
        metrics.counters.add(.responsesSent, 2)
        metrics.record(.response, nanoseconds: 40_000_000)
        exporter.update(metrics.takeInterval())
        let again = String(decoding: exporter.render(), as: UTF8.self)
        #expect(again.contains("bgbfleet_responses_sent_total{" + labels + "} 7"))
        #expect(again.contains(#"bgbfleet_latency_seconds_bucket{metric="response","# + labels + #",le="0.025"} 3"#))
        #expect(again.contains(#"bgbfleet_latency_seconds_count{metric="response","# + labels + "} 4"))
    }

    @Test("workers' series stand side by side in one exporter, and their buckets add up")
    func workers() {
        let exporter = PrometheusExporter(mp: "mp", runID: "r")
        for worker in 0..<3 {
            let metrics = FleetMetrics()
            for _ in 0...worker { metrics.record(.connect, nanoseconds: 7_000_000) }
            exporter.update(metrics.takeInterval(), worker: String(worker))
        }
        let text = String(decoding: exporter.render(), as: UTF8.self)
        var total = 0
        for worker in 0..<3 {
            let prefix = #"bgbfleet_latency_seconds_count{metric="connect",mp="mp",run_id="r",worker="\#(worker)"} "#
            let line = text.split(separator: "\n").first { $0.hasPrefix(prefix) }
            total += Int(line?.dropFirst(prefix.count) ?? "") ?? -100
        }
        #expect(total == 6)
    }

    @Test("ADDR:PORT parsing")
    func parse() {
        #expect(PrometheusServer.parse("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(PrometheusServer.parse(":9464")! == ("0.0.0.0", 9464))
        #expect(PrometheusServer.parse("[::1]:9")! == ("::1", 9))
        #expect(PrometheusServer.parse("nope") == nil)
        #expect(PrometheusServer.parse("host:99999") == nil)
    }
}
