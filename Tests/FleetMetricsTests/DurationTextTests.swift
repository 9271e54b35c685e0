import FleetMetrics
import Testing

@Suite("DurationText: the one duration syntax of profiles, flags, thresholds and the simulator")
struct DurationTextTests {
    @Test("single units, combinations, bare seconds, whitespace")
    func parses() {
        #expect(DurationText.nanoseconds("250ms") == 250_000_000)
        #expect(DurationText.nanoseconds("1m30s") == 90_000_000_000)
        #expect(DurationText.nanoseconds(" 1.5s\t") == 1_500_000_000)
        #expect(DurationText.nanoseconds("2") == 2_000_000_000)
        #expect(DurationText.nanoseconds("7µs") == 7_000)
        #expect(DurationText.nanoseconds("7us") == 7_000)
        #expect(DurationText.nanoseconds("3ns") == 3)
        #expect(DurationText.nanoseconds("1h") == 3_600_000_000_000)
        #expect(DurationText.parse("1m30s") == .seconds(90))
    }

    @Test("what is not a duration", arguments: ["", "soon", "-1s", "5 parsecs", "10x", "ms", "1.2.3s", "s10", "1e400", "3000000000h"])
    func rejects(text: String) {
        #expect(DurationText.nanoseconds(text) == nil)
        #expect(DurationText.parse(text) == nil)
    }

    @Test("formats with the largest whole unit, and parses back")
    func formats() {
        for (nanoseconds, text) in [(UInt64(0), "0s"), (3_600_000_000_000, "1h"), (900_000_000_000, "15m"), (90_000_000_000, "90s"),
                                    (1_500_000_000, "1500ms"), (1_500_000, "1500us"), (7, "7ns")] {
            #expect(DurationText.format(nanoseconds) == text)
            #expect(DurationText.nanoseconds(text) == nanoseconds)
        }
        #expect(DurationText.format(Duration.milliseconds(1500)) == "1500ms")
    }
}
