import Foundation
import Logging
import MPSimulator
import NIOPosix

extension HTTPEngineTests {
    /// Polls `condition` every 10 ms until it holds or 15 s pass.
    static func eventually(_ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    /// The simulator on ephemeral loopback ports (its RSA server certificate is made once per machine).
    static func startSimulator(
        _ configure: (inout MPSimulatorConfiguration) -> Void = { _ in }
    ) async throws -> (MPSimulator, MPSimulator.BoundAddresses) {
        var configuration = MPSimulatorConfiguration.ephemeral(
            stateDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-engine-sim").path
        )
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let simulator = MPSimulator(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return (simulator, try await simulator.start())
    }
}
