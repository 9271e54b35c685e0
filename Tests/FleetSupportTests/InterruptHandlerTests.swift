import FleetSupport
import NIOConcurrencyHelpers
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The handler driven with SIGUSR1/SIGUSR2 sent to this process (SIGINT/SIGTERM would reach
/// the test runner's own handling); `run`'s and `mp-sim`'s real signals are covered end to end
/// by the CLI tests.
@Suite("Interrupt handler", .serialized, .timeLimit(.minutes(1)))
struct InterruptHandlerTests {
    /// Polls `condition` for up to five seconds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test("the first signal stops once and is remembered; a second is ignored under .ignore")
    func firstSignalStops() async {
        let stops = NIOLockedValueBox<[Int32]>([])
        let handler = InterruptHandler(signals: [SIGUSR1], stopping: nil, again: .ignore) { number in
            stops.withLockedValue { $0.append(number) }
        }
        defer { handler.cancel() }
        #expect(handler.received == nil)
        #expect(handler.exitStatus == nil)

        kill(getpid(), SIGUSR1)
        #expect(await Self.eventually { stops.withLockedValue { $0 } == [SIGUSR1] })
        #expect(handler.received == SIGUSR1)
        #expect(handler.exitStatus == 128 + SIGUSR1)

        kill(getpid(), SIGUSR1)
        try? await Task.sleep(for: .milliseconds(200))
        #expect(stops.withLockedValue { $0 } == [SIGUSR1])
        #expect(handler.received == SIGUSR1)
    }

    @Test("firstSignal() waits for the signal, and answers at once once it has come")
    func firstSignalWaits() async {
        let handler = InterruptHandler(signals: [SIGUSR1, SIGUSR2], stopping: nil, again: .ignore)
        defer { handler.cancel() }
        let waiter = Task { await handler.firstSignal() }
        try? await Task.sleep(for: .milliseconds(100))
        kill(getpid(), SIGUSR2)
        #expect(await waiter.value == SIGUSR2)
        #expect(await handler.firstSignal() == SIGUSR2)
        #expect(handler.exitStatus == 128 + SIGUSR2)
    }
}
