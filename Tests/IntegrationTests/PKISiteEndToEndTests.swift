import BGBClient
import BGBProtocol
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import Logging
import MPSimulator
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// A lab PKI site end to end: a test CA → the simulator with its server certificate from that CA
/// and `clientCAFile` → identities issued by the CA → a run that validates the MP against the CA,
/// signs in and answers pushes triggered through an admin API that requires a token read from a file.
@Suite("PKI site end to end", .serialized)
struct PKISiteEndToEndTests {
    struct Site {
        let pki: LabPKI
        let simulator: MPSimulator
        let target: FleetTarget
        let caFile: String
        let serverDER: [UInt8]
        let tokenFile: String
        let token: String
        let identities: PoolIdentitySource
    }

    static func startSite(sessions: Int, httpsPort: Bool = false) async throws -> Site {
        let pki = try LabPKI()
        let caFile = try pki.caFile()
        let server = try pki.serverFiles()
        let token = "lab-token-\(UUID().uuidString)"
        let tokenFile = try pki.write(token + "\n", "admin-token")
        // The pool, generated from the CA as `identities generate --ca-cert --ca-key` does.
        let caKeyFile = try pki.write(pki.caKey.pemRepresentation, "ca-key.pem")
        let issuer = try IdentityIssuer.load(certificateFile: caFile, keyFile: caKeyFile)
        var pool = try IdentityPool.create(at: pki.directory.appendingPathComponent("pool"), keyType: .p256, chunkSize: 64)
        try await pool.generate(count: sessions, issuer: issuer)
        let identities = try PoolIdentitySource(pool: pool, range: 0..<sessions)
        #expect(identities.identities.allSatisfy { $0.certificateKind == .pki })

        var configuration = MPSimulatorConfiguration.ephemeral(stateDirectory: pki.directory.appendingPathComponent("sim").path)
        configuration.serverCertificateFile = server.certificate
        configuration.serverKeyFile = server.key
        configuration.clientCAFile = caFile
        configuration.adminBearerToken = token
        configuration.identityCheck = .strict
        configuration.httpTLS = httpsPort
        let (simulator, bound) = try await startQuietSimulator(configuration)
        simulator.registerClients(
            try identities.identities.map { MPSimulator.PreRegistration(smsID: try SMSID($0.smsid.rawValue), certificateDER: $0.certificateDER) }
        )
        return Site(
            pki: pki,
            simulator: simulator,
            target: FleetTarget(
                host: "127.0.0.1",
                tcpAddress: bound.tls,
                httpAddress: bound.http,
                httpTLS: httpsPort,
                adminURL: "http://127.0.0.1:\(bound.admin!.port!)"
            ),
            caFile: caFile,
            serverDER: server.der,
            tokenFile: tokenFile,
            token: token,
            identities: identities
        )
    }

    static func run(_ profile: FleetProfile, _ site: Site, identities: (any FleetIdentitySource)? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> (RunSummary, URL) {
        let directory = site.pki.directory.appendingPathComponent("run-\(UUID().uuidString)")
        let engine = try FleetEngine(
            options: .init(
                profile: profile,
                target: site.target,
                identities: identities ?? site.identities,
                reportDirectory: directory,
                liveView: nil,
                log: log,
                onTick: nil,
                mpRTTSource: nil,
                // The simulator holds the fleet alone: `targets: all` is its whole SMS00001.
                triggers: try TriggerPlan.resolve(
                    profile.triggers, sessionCount: profile.sessions, resourceIDs: [],
                    policy: TriggerPlan.Policy(guardsBuiltInCollections: false, collectionIsFleet: true)
                )
            ),
            group: MultiThreadedEventLoopGroup.singleton
        )
        return (try await engine.run(), directory)
    }

    static func profile(sessions: Int, validation: BGBTLSOptions.ServerValidation, engine: BGBTLSOptions.Engine = .lean) -> FleetProfile {
        var profile = FleetProfile()
        profile.sessions = sessions
        profile.arrival = .rate(200)
        profile.duration = 3_000_000_000
        profile.tls.serverValidation = validation
        profile.tls.engine = engine
        profile.reconnect = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 500_000_000, base: 500_000_000, cap: 1_000_000_000)
        return profile
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test("validates the MP against the CA, signs in with CA-issued certificates and answers pushes triggered with a token from a file", arguments: BGBTLSOptions.Engine.allCases)
    func validatedRun(engine: BGBTLSOptions.Engine) async throws {
        let site = try await Self.startSite(sessions: 10)
        defer { site.pki.remove() }
        var profile = Self.profile(sessions: 10, validation: .verified(BGBServerTrust(roots: try BGBTrustRoots(pemFile: site.caFile))), engine: engine)
        profile.triggers = [FleetProfile.Trigger(at: 1_500_000_000, type: 8)]
        profile.triggerCredentials = try TriggerCredentials.read(scheme: .bearer, file: site.tokenFile, key: "trigger-auth.bearer-file")
        let lines = Lines()
        let (summary, directory) = try await Self.run(profile, site, log: { lines.append($0) })
        try await site.simulator.shutdown()

        #expect(summary.counters.errorsTotal == 0)
        #expect(summary[.connect].count == 10)
        #expect(summary.counters[.pushesReceived] == 10)
        #expect(summary.counters[.responsesSent] == 10)
        #expect(site.simulator.counters().clientCertificatesRefused.isEmpty)
        // The token is in no log line and no report file.
        #expect(!lines.all.contains { $0.contains(site.token) })
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let text = (try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) ?? ""
            #expect(!text.contains(site.token), "\(file)")
        }
        let json = try String(contentsOf: directory.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(json.contains("bearer credentials from file"))
    }

    @Test("a wrong CA and a wrong pin are counted as errors.tls_verify and logged with the subject and SHA-256 thumbprint", arguments: BGBTLSOptions.Engine.allCases)
    func refusedMP(engine: BGBTLSOptions.Engine) async throws {
        let site = try await Self.startSite(sessions: 4)
        defer { site.pki.remove() }
        let other = try LabPKI(name: "another CA")
        defer { other.remove() }
        let thumbprint = try #require(BGBCertificateInfo(der: site.serverDER)).sha256Thumbprint
        let validations: [BGBTLSOptions.ServerValidation] = [
            .verified(BGBServerTrust(roots: try BGBTrustRoots(pemFile: other.caFile()))),
            .verified(BGBServerTrust(pins: [BGBPublicKeyPin(sha256: [UInt8](repeating: 9, count: 32))])),
        ]
        for validation in validations {
            let lines = Lines()
            let (summary, _) = try await Self.run(Self.profile(sessions: 4, validation: validation, engine: engine), site, log: { lines.append($0) })
            #expect(summary.counters[error: .tlsVerify] >= 4)
            #expect(summary[.connect].count == 0)
            #expect(lines.all.contains { $0.contains("CN=mp.lab.test") && $0.contains(thumbprint) })
        }
        // The right pin validates.
        let pinned = BGBTLSOptions.ServerValidation.verified(BGBServerTrust(pins: [try BGBPublicKeyPin(certificateDER: site.serverDER)]))
        let (summary, _) = try await Self.run(Self.profile(sessions: 4, validation: pinned, engine: engine), site)
        try await site.simulator.shutdown()
        #expect(summary[.connect].count == 4)
        #expect(summary.counters.errorsTotal == 0)
    }

    @Test("the simulator with a client CA refuses certificates the CA did not issue, counted with a reason")
    func refusedClient() async throws {
        let site = try await Self.startSite(sessions: 3)
        defer { site.pki.remove() }
        let stranger = try LabPKI(name: "stranger CA")
        defer { stranger.remove() }
        let strangers = MemoryIdentitySource(identities: try stranger.clients(3))
        site.simulator.registerClients(strangers.identities.map { MPSimulator.PreRegistration(smsID: $0.smsID, certificateDER: $0.certificateDER) })
        let (summary, _) = try await Self.run(Self.profile(sessions: 3, validation: .none), site, identities: strangers)
        let refused = site.simulator.counters().clientCertificatesRefused
        try await site.simulator.shutdown()
        #expect(summary[.connect].count == 0)
        #expect(refused.values.reduce(0, +) >= 3)
        #expect(refused.keys.contains { $0.contains("issuer") })
    }

    @Test("the HTTPS long-poll on an ephemeral port (not 443) validates the MP too: the CA signs in and answers a push, a wrong pin is tls_verify")
    func httpsFallback() async throws {
        let site = try await Self.startSite(sessions: 4, httpsPort: true)
        defer { site.pki.remove() }
        var profile = Self.profile(sessions: 4, validation: .verified(BGBServerTrust(roots: try BGBTrustRoots(pemFile: site.caFile))))
        profile.transport = .http
        profile.triggers = [FleetProfile.Trigger(at: 1_500_000_000, type: 8)]
        profile.triggerCredentials = try TriggerCredentials.read(scheme: .bearer, file: site.tokenFile, key: "trigger-auth.bearer-file")
        let (summary, _) = try await Self.run(profile, site)
        #expect(summary.counters.errorsTotal == 0)
        #expect(summary[.connect].count == 4)
        #expect(summary.counters[.responsesSent] == 4)

        var refused = Self.profile(sessions: 4, validation: .verified(BGBServerTrust(pins: [BGBPublicKeyPin(sha256: [UInt8](repeating: 5, count: 32))])))
        refused.transport = .http
        let (failed, _) = try await Self.run(refused, site)
        try await site.simulator.shutdown()
        #expect(failed.counters[error: .tlsVerify] >= 4)
        #expect(failed[.connect].count == 0)
    }
}
