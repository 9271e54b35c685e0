import Foundation
import Testing

@testable import FleetMetrics

/// `start_late`: how late the generator started the sessions of its ramp, and the plain verdict
/// the summary gives when it was the bottleneck.
@Suite("Start lateness")
struct StartLatenessTests {
    static func summary(startLate: [UInt64]) -> RunSummary {
        var late = HistogramSnapshot()
        for value in startLate { late.record(value) }
        return RunSummary(startTime: Date(timeIntervalSince1970: 0), durationSeconds: 10,
                          histograms: [.startLate: late, .loopLag: .of([1_000_000])],
                          counters: CounterSnapshot(), plan: [:])
    }

    @Test("p99 above 100 ms: the summary says the generator started sessions late and was the bottleneck")
    func lateStartsAreNamed() throws {
        let summary = Self.summary(startLate: Array(repeating: 2_000_000, count: 90) + Array(repeating: 2_400_000_000, count: 10))
        #expect(summary.generator.startedLate)
        let text = SummaryTable.render(summary)
        #expect(text.contains("generator: STARTED LATE: the generator started sessions up to 2.4 s late (start_late p99 24"), "\(text)")
        #expect(text.contains("ms): it was the bottleneck of the ramp, not the MP"))
        #expect(HTMLPage.banners(summary).contains("Started late.</strong> The generator started sessions up to 2.4 s late"))
    }

    @Test("p99 at or below 100 ms: no verdict, whatever the max")
    func punctualStartsSayNothing() {
        let summary = Self.summary(startLate: Array(repeating: 1_000_000, count: 199) + [3_000_000_000])
        #expect(!summary.generator.startedLate)
        #expect(!SummaryTable.render(summary).contains("started sessions"))
    }

    @Test("summary.json keeps start_late; a summary written before it existed reads as punctual")
    func jsonRoundTrip() throws {
        let summary = Self.summary(startLate: Array(repeating: 500_000_000, count: 10))
        let decoded = try RunSummary.decode(json: summary.jsonData())
        #expect(decoded.generator == summary.generator)
        #expect(decoded.generator.startedLate)

        let old = #"{"loop_lag_p99_ms": 1.5, "loop_lag_max_ms": 3, "saturated": false}"#
        let health = try JSONDecoder().decode(GeneratorHealth.self, from: Data(old.utf8))
        #expect(health.startLateP99 == 0 && !health.startedLate)
    }
}
