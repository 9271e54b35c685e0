import FleetMetrics
import Testing

@testable import FleetEngine

@Suite("The bound on handshakes in flight per event loop")
struct HandshakeGateTests {
    final class Wakes { var count = 0 }

    @Test("admits up to the bound; a handshake that ends wakes the waiting ramp once")
    func bound() {
        let wakes = Wakes()
        let gate = HandshakeGate(limit: 2) { wakes.count += 1 }
        #expect(gate.admit())
        gate.moved(from: .planned, to: .connecting)
        #expect(gate.admit())
        gate.moved(from: .planned, to: .connecting)
        gate.moved(from: .connecting, to: .tls)  // still in flight
        #expect(gate.inFlight == 2)
        #expect(!gate.admit())
        #expect(!gate.admit())
        #expect(wakes.count == 0)
        gate.moved(from: .tls, to: .signedIn)
        #expect(wakes.count == 1)
        #expect(gate.inFlight == 1)
        // A failure ends a handshake too; nobody waits now, so no wake.
        gate.moved(from: .connecting, to: .reconnecting)
        #expect(wakes.count == 1)
        #expect(gate.inFlight == 0)
        // Reconnects are counted (never held back): they fill the bound the ramp sees.
        gate.moved(from: .reconnecting, to: .connecting)
        gate.moved(from: .planned, to: .connecting)
        #expect(!gate.admit())
        gate.moved(from: .connecting, to: .failed)
        #expect(wakes.count == 2)
        // Moves that neither start nor end a handshake change nothing.
        gate.moved(from: .signedIn, to: .reconnecting)
        gate.moved(from: .planned, to: .planned)
        #expect(gate.inFlight == 1)
    }

    @Test("0 is no bound")
    func unbounded() {
        let gate = HandshakeGate(limit: 0) { Issue.record("no wake without a bound") }
        for _ in 0..<1_000 {
            #expect(gate.admit())
            gate.moved(from: .planned, to: .connecting)
        }
        gate.moved(from: .connecting, to: .signedIn)
        #expect(gate.inFlight == 999)
    }
}
