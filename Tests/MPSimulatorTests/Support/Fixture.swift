import BGBProtocol
import Foundation
import NIOCore
import NIOPosix

@testable import MPSimulator

/// A running simulator on ephemeral loopback ports, shut down after the test body.
struct Fixture: Sendable {
    let simulator: MPSimulator
    let addresses: MPSimulator.BoundAddresses
    var admin: AdminClient { AdminClient(address: addresses.admin!, token: simulator.configuration.adminBearerToken) }

    /// One state directory per test process: the RSA server certificate is generated once.
    static let stateDirectory: String = {
        let path = NSTemporaryDirectory() + "bgbfleet-mpsim-tests-\(getuid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func configuration(_ configure: (inout MPSimulatorConfiguration) -> Void = { _ in }) -> MPSimulatorConfiguration {
        var configuration = MPSimulatorConfiguration.ephemeral(stateDirectory: stateDirectory)
        configure(&configuration)
        return configuration
    }

    /// Runs `body` against a started simulator and always shuts it down.
    static func with<T: Sendable>(
        _ configure: (inout MPSimulatorConfiguration) -> Void = { _ in },
        _ body: (Fixture) async throws -> T
    ) async throws -> T {
        let simulator = MPSimulator(configuration: configuration(configure))
        let addresses = try await simulator.start()
        let fixture = Fixture(simulator: simulator, addresses: addresses)
        do {
            let result = try await body(fixture)
            try await simulator.shutdown()
            return result
        } catch {
            try? await simulator.shutdown()
            throw error
        }
    }

    func connectTCP(_ identity: TestIdentity?) async throws -> TestTCPClient {
        try await TestTCPClient.connect(to: addresses.tls, identity: identity)
    }

    func connectHTTP() async throws -> TestHTTPClient {
        try await TestHTTPClient.connect(to: addresses.http!)
    }

    /// Signs in a new P-256 identity over TLS (pre-registered unless told otherwise).
    func onlineClient(register: Bool = true) async throws -> TestTCPClient {
        let identity = try TestIdentity.p256()
        if register { simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER) }
        let client = try await connectTCP(identity)
        try await client.signIn()
        return client
    }
}
