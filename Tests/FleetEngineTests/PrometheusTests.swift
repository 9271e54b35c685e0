import FleetEngine
import FleetMetrics
import NIOPosix
import Testing

@Suite("Prometheus exporter")
struct PrometheusTests {
    @Test("an interval becomes session gauges, counters and latency quantiles in the text format")
    func exports() {
        let metrics = FleetMetrics()
        metrics.counters.increment(.signedIn, by: 7)
        metrics.counters.add(.responsesSent, 5)
        metrics.counters.record(.tls)
        for value in [1_000_000, 2_000_000, 3_000_000] as [UInt64] { metrics.record(.response, nanoseconds: value) }
        let exporter = PrometheusExporter()
        exporter.update(metrics.takeInterval())
        let text = String(decoding: exporter.render(), as: UTF8.self)
        #expect(text.contains(#"bgbfleet_sessions{state="signed_in"} 7.0"#))
        #expect(text.contains("bgbfleet_responses_sent_total 5"))
        #expect(text.contains(#"bgbfleet_errors_total{reason="tls"} 1"#))
        #expect(text.contains(#"bgbfleet_latency_count_total{metric="response"} 3"#))
        #expect(text.contains(#"bgbfleet_latency_seconds{metric="response",quantile="1"} 0.003"#))
        // Counters accumulate deltas, never re-add the running total.
        metrics.counters.add(.responsesSent, 2)
        exporter.update(metrics.takeInterval())
        #expect(String(decoding: exporter.render(), as: UTF8.self).contains("bgbfleet_responses_sent_total 7"))
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
