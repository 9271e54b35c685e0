import NIOConcurrencyHelpers
import Testing

@testable import FleetSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The handler's rules, with signals handed to it directly (no signal is installed or sent in the
/// test process). The real signals, end to end, are the CLI tests': InterruptedRunTests (`run`,
/// `run --processes`) and InterruptedCommandsTests (`mp-sim`, `identities generate`).
@Suite("Interrupt handler", .timeLimit(.minutes(1)))
struct InterruptHandlerTests {
    @Test("the first signal stops once and is remembered (130/143); a second is ignored under .ignore")
    func firstSignalStops() {
        let stops = NIOLockedValueBox<[Int32]>([])
        let handler = InterruptHandler(signals: [], stopping: nil, again: .ignore) { number in
            stops.withLockedValue { $0.append(number) }
        }
        defer { handler.cancel() }
        #expect(handler.received == nil)
        #expect(handler.exitStatus == nil)

        handler.receive(SIGTERM)
        #expect(stops.withLockedValue { $0 } == [SIGTERM])
        #expect(handler.received == SIGTERM)
        #expect(handler.exitStatus == 143)

        handler.receive(SIGINT)
        #expect(stops.withLockedValue { $0 } == [SIGTERM])
        #expect(handler.received == SIGTERM)
        #expect(handler.exitStatus == 143)
    }

    @Test("firstSignal() waits for the signal, and answers at once once it has come")
    func firstSignalWaits() async {
        let handler = InterruptHandler(signals: [], stopping: nil, again: .ignore)
        defer { handler.cancel() }
        let waiters = (0..<3).map { _ in Task { await handler.firstSignal() } }
        try? await Task.sleep(for: .milliseconds(50))
        handler.receive(SIGINT)
        for waiter in waiters { #expect(await waiter.value == SIGINT) }
        #expect(await handler.firstSignal() == SIGINT)
        #expect(handler.exitStatus == 130)
    }
}
