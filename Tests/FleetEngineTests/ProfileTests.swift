import FleetEngine
import Foundation
import Testing

@Suite("Profiles")
struct ProfileTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the built-in smoke profile is profiles/smoke.yaml, and it parses")
    func smoke() throws {
        let file = try String(contentsOf: Self.packageRoot.appendingPathComponent("profiles/smoke.yaml"), encoding: .utf8)
        #expect(file == FleetProfile.smokeYAML)
        let profile = FleetProfile.smoke()
        #expect(profile.sessions == 500)
        #expect(profile.arrival == .rate(250))
        #expect(profile.duration == 60_000_000_000)
        #expect(profile.keepAlive == 15_000_000_000)
        #expect(profile.triggers.count == 1)
        #expect(profile.triggers[0].firings(within: profile.duration) == [10, 25, 40].map { UInt64($0) * 1_000_000_000 })
        #expect(profile.thresholds.count == 3)
    }

    @Test("every profile in profiles/ parses")
    func allProfiles() throws {
        let directory = Self.packageRoot.appendingPathComponent("profiles")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(text.hasPrefix("# "), "\(file) documents itself at its top")
            if text.contains("CHANGE-ME") {
                // A template for a real site: it refuses to run until the admin fills it in.
                #expect(throws: FleetConfigurationError.self, "\(file)") { try FleetProfile.load(path: directory.appendingPathComponent(file).path) }
                continue
            }
            let profile = try FleetProfile.load(path: directory.appendingPathComponent(file).path)
            #expect(profile.sessions > 0, "\(file)")
        }
    }

    @Test("a full profile reads every key")
    func full() throws {
        let profile = try FleetProfile(
            yaml: """
                mp: mp01.contoso.com
                port: 10124
                transport: tcp
                tls: {version: "1.0", engine: niossl}
                sessions: 20000
                ramp: 2m
                duration: 10m
                keepalive: 5m
                keepalive-spread: false
                source-addresses: [127.0.0.1-127.0.0.8, 127.0.1.1]
                client-version: 5.00.9128.1007
                timestamps: native
                responder:
                  handling-time: {distribution: lognormal, median: 20ms, sigma: 0.5}
                  return-code: 1
                  failure-fraction: 0.01
                  failure-return-code: 0
                  no-response-fraction: 0.001
                reconnect: {mode: storm, http-fallback-after: 0}
                triggers:
                  - {at: 30s, every: 60s, type: 8, targets: {fraction: 0.5}}
                  - {at: 5m, type: 135, param: PFNjcmlwdD4=, targets: {resource-ids: [16777216, 16777217]}}
                trigger-url: https://provider.contoso.com
                trigger-auth: {bearer: abc}
                thresholds: [fanout.max<30s]
                output: runs/x
                simulator: {restart-at: 90s}
                """,
            name: "full"
        )
        #expect(profile.mp == "mp01.contoso.com")
        #expect(profile.port == 10124)
        #expect(profile.tls.minimumVersion == .tls10 && profile.tls.maximumVersion == .tls10)
        #expect(profile.tls.engine == .niossl)
        #expect(profile.arrival == .ramp(nanoseconds: 120_000_000_000))
        #expect(profile.keepAliveSpread == false)
        #expect(profile.sourceAddresses.map(\.count) == [8, 1])
        #expect(profile.handlingTime == .lognormal(median: 20_000_000, sigma: 0.5))
        #expect(profile.reconnect.mode == .storm)
        #expect(profile.triggers[0].targets == .fraction(0.5))
        #expect(profile.triggers[0].firings(within: profile.duration).count == 10)
        #expect(profile.triggers[1].targets == .resourceIDs([16_777_216, 16_777_217]))
        #expect(profile.triggers[1].param == "PFNjcmlwdD4=")
        #expect(profile.triggerCredentials?.authorization == "Bearer abc")
        #expect(profile.triggerCredentials?.description.contains("abc") == false)
        #expect(profile.simulatorRestartAt == 90_000_000_000)
    }

    @Test(
        "unknown keys, wrong types and impossible values are errors naming the key",
        arguments: [
            ("sesions: 5", "unknown key \"sesions\""),
            ("sessions: many", "sessions: expected an integer"),
            ("sessions: 0", "sessions: \"0\" is not valid"),
            ("rate: 10\nramp: 5s", "rate:"),
            ("duration: soon", "duration: \"soon\" is not valid"),
            ("keepalive: 10ms", "keepalive: \"10ms\" is not valid"),
            ("transport: udp", "transport: \"udp\" is not valid"),
            ("tls: {version: \"2.0\"}", "tls.version: \"2.0\" is not valid"),
            ("tls: {engine: openssl}", "tls.engine: \"openssl\" is not valid"),
            ("responder: {failure-fraction: 2}", "responder.failure-fraction: \"2.0\" is not valid"),
            ("responder: {handling-time: {distribution: pareto}}", "responder.handling-time.distribution"),
            ("reconnect: {mode: sometimes}", "reconnect.mode"),
            ("triggers: [{at: 5s, typ: 8}]", "unknown key \"triggers[0].typ\""),
            ("triggers: [{at: 5s, targets: some}]", "triggers[0].targets: expected"),
            ("source-addresses: [127.0.0.9-127.0.0.1]", "source-address"),
            ("port: 70000", "port: \"70000\" is not valid"),
            ("- just a list", "profile: expected a mapping"),
            ("sessions: [1", "not valid YAML"),
        ]
    )
    func invalid(yaml: String, message: String) {
        do {
            _ = try FleetProfile(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("an unreadable profile names the file")
    func unreadable() {
        #expect(throws: FleetConfigurationError.unreadable(path: "/nonexistent/p.yaml", reason: "no such file")) {
            try FleetProfile.load(path: "/nonexistent/p.yaml")
        }
    }
}
