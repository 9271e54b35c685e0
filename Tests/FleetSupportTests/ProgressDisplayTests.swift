import FleetSupport
import NIOConcurrencyHelpers
import Testing

@Suite("Progress display")
struct ProgressDisplayTests {
    struct Progress: Sendable {
        var done: Int
        var total: Int
    }

    /// A display writing into `output`, started at `start`.
    static func display(isTerminal: Bool, start: ContinuousClock.Instant, output: NIOLockedValueBox<[String]>) -> ProgressDisplay<Progress> {
        ProgressDisplay(
            isTerminal: isTerminal,
            start: start,
            write: { text in output.withLockedValue { $0.append(text) } },
            isComplete: { $0.done >= $0.total }
        ) { progress, elapsed, isTerminal in
            "\(isTerminal ? "T" : "P") \(progress.done)/\(progress.total) after \(elapsed.components.seconds)s"
        }
    }

    @Test("terminal: redrawn in place at most every 100 ms; the last update always; finish ends the line")
    func terminal() {
        let output = NIOLockedValueBox<[String]>([])
        let start = ContinuousClock.now
        let display = Self.display(isTerminal: true, start: start, output: output)
        display.update(Progress(done: 1, total: 10), now: start)
        display.update(Progress(done: 2, total: 10), now: start + .milliseconds(50))
        display.update(Progress(done: 3, total: 10), now: start + .milliseconds(150))
        display.update(Progress(done: 10, total: 10), now: start + .milliseconds(160))
        display.finish()
        #expect(output.withLockedValue { $0 } == [
            "\r\u{1B}[KT 1/10 after 0s",
            "\r\u{1B}[KT 3/10 after 0s",
            "\r\u{1B}[KT 10/10 after 0s",
            "\n",
        ])
    }

    @Test("plain output: nothing in the first five seconds, then a line every five seconds; finish adds nothing")
    func plain() {
        let output = NIOLockedValueBox<[String]>([])
        let start = ContinuousClock.now
        let display = Self.display(isTerminal: false, start: start, output: output)
        display.update(Progress(done: 1, total: 10), now: start + .seconds(1))
        display.update(Progress(done: 2, total: 10), now: start + .seconds(6))
        display.update(Progress(done: 3, total: 10), now: start + .seconds(8))
        display.update(Progress(done: 4, total: 10), now: start + .seconds(11))
        display.update(Progress(done: 10, total: 10), now: start + .seconds(12))
        display.finish()
        #expect(output.withLockedValue { $0 } == [
            "P 2/10 after 6s\n",
            "P 4/10 after 11s\n",
            "P 10/10 after 12s\n",
        ])
    }

    @Test("plain output: work finished within five seconds prints no line")
    func quickPlain() {
        let output = NIOLockedValueBox<[String]>([])
        let start = ContinuousClock.now
        let display = Self.display(isTerminal: false, start: start, output: output)
        display.update(Progress(done: 10, total: 10), now: start + .seconds(2))
        display.finish()
        #expect(output.withLockedValue { $0 }.isEmpty)
    }
}
