import FleetEngine
import FleetMetrics
import Testing

@Suite("Live line width and trigger Type names")
struct LiveLineAndTriggerNameTests {
    static let line = LiveLine.render(
        elapsed: 12,
        interval: IntervalRecord(start: 11, length: 1, histograms: [:], counters: CounterSnapshot()),
        previous: CounterSnapshot(),
        total: 100_000
    )

    @Test("the live line fits every terminal width, shortest forms last", arguments: [200, 120, 100, 80, 60, 40, 20, 5, 1])
    func fitsWidth(width: Int) {
        let fitted = LiveLine.fit(Self.line, width: width)
        #expect(fitted.count <= max(1, width - 1), "\(width): \(fitted)")
        #expect(fitted.hasPrefix(String("[  0:12]".prefix(max(0, width - 2)))))
    }

    @Test("a line that fits is left alone; an unknown width changes nothing")
    func unchanged() {
        #expect(LiveLine.fit(Self.line, width: Self.line.count + 1) == Self.line)
        #expect(LiveLine.fit(Self.line, width: nil) == Self.line)
        #expect(Self.line.count > 80)  // the full form needs shortening on an 80-column terminal
        // At 80 columns the signed-in count and the errors survive.
        let eighty = LiveLine.fit(Self.line, width: 80)
        #expect(eighty.contains("in 0/100000"))
        #expect(eighty.contains("err 0"))
    }

    @Test("a rate that would overflow the schedule (or is not a number) is refused", arguments: ["1e-300", ".inf", ".nan", "1e10"])
    func rateBounds(rate: String) {
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "rate: \(rate)\n") }
    }

    @Test("triggers[].type takes a name from the spec's Type table as well as a number")
    func typeNames() throws {
        let profile = try FleetProfile(yaml: """
            triggers:
              - {at: 1s, type: download-computer-policy}
              - {at: 2s, type: run-script, param: PFNjcmlwdD4=}
              - {at: 3s, type: CMPivot}
              - {at: 4s, type: 12}
              - {at: 5s, type: "9"}
            """)
        #expect(profile.triggers.map(\.type) == [8, 135, 145, 12, 9])
        #expect(ClientOperationType.name(of: 8) == "download-computer-policy")
        #expect(ClientOperationType.type(named: "Wake_Up") == 150)
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "triggers: [{type: download-policy}]\n") }
    }
}
