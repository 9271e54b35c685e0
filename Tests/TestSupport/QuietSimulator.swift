import Foundation
import Logging
import MPSimulator
import NIOPosix

/// Starts a simulator for `configuration` on the shared event loop group, its log limited to
/// critical lines (loopback tests expect abnormal closes; their lines would bury a failure).
/// The caller shuts it down.
public func startQuietSimulator(
    _ configuration: MPSimulatorConfiguration
) async throws -> (simulator: MPSimulator, bound: MPSimulator.BoundAddresses) {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let simulator = MPSimulator(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    return (simulator, try await simulator.start())
}

/// An ephemeral-port simulator configuration whose state lives in the temporary directory's
/// `name` (reused across runs, like the simulator's own cache: its RSA server certificate is
/// made once per machine).
public func ephemeralSimulatorConfiguration(stateIn name: String) -> MPSimulatorConfiguration {
    MPSimulatorConfiguration.ephemeral(stateDirectory: FileManager.default.temporaryDirectory.appendingPathComponent(name).path)
}
