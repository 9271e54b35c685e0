import Foundation
import Testing
@testable import FleetMetrics

@Suite struct ThresholdTests {
    @Test func parsesEveryKindOfSubject() throws {
        let response = try Threshold(parsing: "response.p99<250ms")
        #expect(response.subject == .latency(.response, .p99))
        #expect(response.comparison == .lessThan)
        #expect(response.value == 250_000_000)
        #expect(try Threshold(parsing: "fanout.max < 30s").value == 30_000_000_000)
        #expect(try Threshold(parsing: "connect.p50<=2s").comparison == .lessOrEqual)
        #expect(try Threshold(parsing: "e2e.p99.9<1.5m").value == 90_000_000_000)
        #expect(try Threshold(parsing: "tls.p99.99<100us").subject == .latency(.tls, .p99_99))
        #expect(try Threshold(parsing: "tls.mean<100µs").value == 100_000)
        #expect(try Threshold(parsing: "loop_lag.max<=1h").value == 3_600_000_000_000)
        #expect(try Threshold(parsing: "keepalive_late.p90>=500ns").value == 500)
        #expect(try Threshold(parsing: "response.count>=1000").value == 1_000)
        let delivery = try Threshold(parsing: "delivery>=99.9%")
        #expect(delivery.subject == .delivery && delivery.value == 99.9)
        #expect(try Threshold(parsing: "errors.tls==0").subject == .errors(.tls))
        #expect(try Threshold(parsing: "errors==0").subject == .errors(nil))
        #expect(try Threshold(parsing: "errors.protocol!=3").comparison == .notEqual)
        #expect(try Threshold(parsing: "sessions.signed_in>=5000").subject == .sessions(.signedIn))
        #expect(try Threshold(parsing: "responses_sent>10").subject == .counter(.responsesSent))
        #expect(try Threshold.parseAll(["errors==0", "delivery>=99%"]).count == 2)
    }

    @Test(arguments: [
        ("", ThresholdError.empty),
        ("response.p99 250ms", .missingOperator(expression: "response.p99 250ms")),
        ("<5ms", .missingSubject(expression: "<5ms")),
        ("response.p99<", .missingValue(expression: "response.p99<")),
        ("respnse.p99<250ms", .unknownMetric("respnse", known: MetricName.allCases.map(\.rawValue)
            + ["delivery", "errors", "sessions"] + FleetCounter.allCases.map(\.rawValue))),
        ("response.p42<250ms", .unknownStatistic("p42", metric: "response", known: Statistic.allCases.map(\.rawValue))),
        ("response<250ms", .missingStatistic(subject: "response", known: Statistic.allCases.map(\.rawValue))),
        ("errors.gremlins==0", .unknownFailureReason("gremlins", known: FailureReason.allCases.map(\.rawValue))),
        ("sessions.asleep>=1", .unknownSessionState("asleep", known: SessionState.allCases.map(\.rawValue))),
        ("delivery.p99>=99%", .unexpectedStatistic("p99", subject: "delivery")),
        ("response.p99<fast", .invalidNumber("fast")),
        ("response.p99<250", .missingUnit(value: "250", expected: "a duration unit (ns, us, µs, ms, s, m, h)")),
        ("response.p99<250days", .unknownUnit("days", expected: "ns, us, µs, ms, s, m, h")),
        ("delivery>=99.9", .missingUnit(value: "99.9", expected: "a percentage such as 99.9%")),
        ("delivery>=101%", .invalidNumber("101%")),
        ("errors.tls==0ms", .unexpectedUnit("ms", value: "0ms")),
        ("response.count>=5s", .unexpectedUnit("s", value: "5s")),
    ])
    func rejectsMalformedExpressions(expression: String, expected: ThresholdError) {
        #expect(throws: expected) { try Threshold(parsing: expression) }
    }

    @Test func errorMessagesNameTheOffendingPart() {
        #expect(ThresholdError.unknownMetric("respnse", known: ["response"]).description.contains("'respnse'"))
        #expect(ThresholdError.unknownStatistic("p42", metric: "response", known: []).description.contains("'p42'"))
        #expect(ThresholdError.unknownUnit("days", expected: "ms").description.contains("'days'"))
    }

    func summary() -> RunSummary {
        var response = HistogramSnapshot()
        response.record(200_000_000, count: 99)
        response.record(400_000_000)
        var counters = CounterSnapshot()
        counters.counters[.pushesTargeted] = 1_000
        counters.counters[.responsesSent] = 999
        counters.errors[.tls] = 2
        counters.errors[.eof] = 1
        counters.states[.signedIn] = 5_000
        return RunSummary(startTime: Date(timeIntervalSince1970: 0), durationSeconds: 60,
                          histograms: [.response: response], counters: counters, plan: [:])
    }

    @Test func evaluatesAgainstASummary() throws {
        let summary = summary()
        let cases: [(String, Bool)] = [
            ("response.p99<250ms", true),
            ("response.p99.9<250ms", false),
            ("response.max<=401ms", true),
            ("response.count==100", true),
            ("response.mean>200ms", true),
            ("delivery>=99.9%", true),
            ("delivery>99.9%", false),
            ("errors.tls==0", false),
            ("errors.eof==1", true),
            ("errors==3", true),
            ("sessions.signed_in>=5000", true),
            ("sessions.failed>0", false),
            ("responses_sent>=1000", false),
            ("fanout.p99<1ms", false),  // no samples: the user's threshold fails
            ("fanout.count==0", true),  // a count of no samples is 0, a value
        ]
        for (expression, expected) in cases {
            let result = try Threshold(parsing: expression).evaluate(summary)
            #expect(result.passed == expected, "\(expression) observed \(result.observedText)")
        }
        let p99 = try Threshold(parsing: "response.p99<250ms").evaluate(summary)
        #expect(p99.observed == Double(HistogramLayout.latency.highestEquivalentValue(200_000_000)))
        #expect(p99.observedText == "200.016 ms")
    }

    @Test func undefinedDeliveryFails() throws {
        let empty = RunSummary(startTime: Date(), durationSeconds: 1, histograms: [:], counters: CounterSnapshot(), plan: [:])
        let result = try Threshold(parsing: "delivery>=0%").evaluate(empty)
        #expect(!result.passed)
        #expect(result.observed == nil && result.observedText == "no samples")
    }

    @Test("a user's latency threshold on a metric without samples fails with \"no samples\" (it used to read 0 and pass)")
    func latencyWithoutSamplesFails() throws {
        let empty = RunSummary(startTime: Date(), durationSeconds: 1, histograms: [:], counters: CounterSnapshot(), plan: [:])
        for expression in ["response.p99<250ms", "fanout.max<3s", "e2e.mean<1s", "mp_rtt.p50<=1h"] {
            let result = try Threshold(parsing: expression).evaluate(empty)
            #expect(!result.passed, "\(expression)")
            #expect(result.observedText == "no samples", "\(expression)")
            #expect(!result.notJudged)
        }
        let table = ThresholdTable.render([try Threshold(parsing: "response.p99<250ms").evaluate(empty)])
        #expect(table.contains("FAIL    response.p99<250ms  no samples"))
    }

    @Test("a built-in default never fails for lack of data, and is still judged when there is data")
    func builtInDefaultsWithoutSamples() throws {
        let empty = RunSummary(startTime: Date(), durationSeconds: 1, histograms: [:], counters: CounterSnapshot(), plan: [:])
        let defaults = try Threshold.parseAll(["delivery>=99.9%", "response.p99<250ms", "errors.tls==0"], builtInDefaults: true)
        let results = defaults.map { $0.evaluate(empty) }
        #expect(results.allSatisfy { $0.passed })
        #expect(results.map(\.notJudged) == [true, true, false])
        #expect(results[0].observedText == "no samples (built-in default, not judged)")
        let table = ThresholdTable.render(results)
        #expect(table.contains("-       delivery>=99.9%"))
        #expect(table.hasSuffix("all 3 thresholds passed\n"))
        // With data, a default is judged like any threshold.
        let judged = try Threshold.parseAll(["response.p99<250ms", "delivery>=99.9%"], builtInDefaults: true).map { $0.evaluate(summary()) }
        #expect(judged.map(\.passed) == [true, true])
        #expect(try Threshold.parseAll(["response.p99.9<250ms"], builtInDefaults: true)[0].evaluate(summary()).passed == false)
    }

    @Test func rendersAPassFailTable() throws {
        let results = try Threshold.parseAll(["response.p99<250ms", "errors==0"]).map { $0.evaluate(summary()) }
        let table = ThresholdTable.render(results)
        let lines = table.split(separator: "\n")
        #expect(lines[0].hasPrefix("result  threshold"))
        #expect(lines[2].hasPrefix("PASS    response.p99<250ms  200.016 ms"))
        #expect(lines[3].hasPrefix("FAIL    errors==0"))
        #expect(lines.last == "1 of 2 thresholds failed")
    }
}
