import MPSimulator
import TestSupport

extension HTTPEngineTests {
    /// TestSupport's `eventually` with this suite's 15 s limit.
    static func eventually(_ condition: () throws -> Bool) async rethrows -> Bool {
        try await TestSupport.eventually(timeout: .seconds(15), condition)
    }

    /// The simulator on ephemeral loopback ports (its RSA server certificate is made once per machine).
    static func startSimulator(
        _ configure: (inout MPSimulatorConfiguration) -> Void = { _ in }
    ) async throws -> (MPSimulator, MPSimulator.BoundAddresses) {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-engine-sim")
        configure(&configuration)
        return try await startQuietSimulator(configuration)
    }
}
