import ArgumentParser
import FleetMetrics
import FleetSupport
import Foundation
import Logging
import MPSimulator
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bgbfleet mp-sim`: the MP simulator as a standalone server.
struct MPSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mp-sim",
        abstract: "Run the MP simulator: BGB notification server, registration endpoint and AdminService API.",
        discussion: """
            Plays a ConfigMgr management point for bgbfleet or the client SDK.

            TLS listener (--tls-port, default 10123): TLS 1.0-1.3, an RSA-2048
            self-signed server certificate generated once into --state-dir;
            any client certificate is accepted and its SHA-1 thumbprint is
            compared at SignIn with the registered one (--identity-check).
            --tls-engine lean (default) or niossl picks its TLS implementation.

            HTTP listener (--http-port, default 80, 'disabled' to turn off):
              CCM_POST /bgb/handler.ashx?RequestType=LogIn|Continue|LogOut
              CCM_POST /ccm_system/request (and _windowsauth, _altauth)

            Admin listener (--admin-port, default 8080, loopback):
              POST /AdminService/wmi/SMS_ClientOperation.InitiateClientOperation
                   {"Type":8,"TargetCollectionID":"SMS00001"} (…Ex: +"Param")
              GET  /AdminService/wmi/SMS_ClientOperationStatus[(ID)]
              GET  /AdminService/wmi/SMS_CN_ClientStatus
              POST /AdminService/wmi/SMS_CN_ClientStatus.GetOnlineCount
              GET  /Simulator/counters
              GET  /Simulator/operations/ID     per-client record of a push
              POST /Simulator/faults            {"signInConfirmDelayMs":250,
                   "ignoreKeepAlives":true,"refuseConnectionsMs":5000}
              POST /Simulator/faults/close-sessions  {"fraction":0.5}
              POST /Simulator/faults/send-frame
                   {"frame":"disconnect|negotiationNeeded|zeroLength",
                    "fraction":1}
              POST /Simulator/faults/restart-listeners

            Every key of the YAML file (--config) has a flag; flags win.
            Durations take ms, s, m, h (500ms, 45m). Port 0 is ephemeral.
            Prints the bound addresses and the certificate thumbprint, then
            a status line every --status-interval. SIGINT/SIGTERM closes the
            listeners and sessions and prints the final counters.
            Exit codes: 0 stopped, 2 bad flags or configuration, 1 failed.
            """
    )

    @Option(help: "YAML configuration file (keys as in MPSimulatorConfiguration: tlsPort, httpHold, faults, …).")
    var config: String?

    @Option(help: "Listen address of the TLS and HTTP listeners (default 127.0.0.1).")
    var host: String?

    @Option(help: "TLS notification port (default 10123; 0 = ephemeral).")
    var tlsPort: Int?

    @Option(help: "HTTP fallback and registration port (default 80; 0 = ephemeral; 'disabled').")
    var httpPort: String?

    @Flag(inversion: .prefixedNo, help: "Serve the HTTP port over TLS (HTTPS fallback).")
    var httpTls: Bool?

    @Option(help: "AdminService API port (default 8080; 0 = ephemeral; 'disabled').")
    var adminPort: String?

    @Option(help: "Listen address of the admin API (default 127.0.0.1, loopback only).")
    var adminHost: String?

    @Option(help: "Lowest TLS version accepted: 1.0 (default; what the SDK speaks), 1.1, 1.2, 1.3.")
    var tlsMin: MPSimulatorConfiguration.TLSProtocolVersion?

    @Option(help: "Highest TLS version accepted (default 1.3).")
    var tlsMax: MPSimulatorConfiguration.TLSProtocolVersion?

    @Option(help: "TLS client certificate: required (default) or optional. Any certificate is accepted.")
    var clientCertificate: MPSimulatorConfiguration.ClientCertificatePolicy?

    @Option(help: "The simulator's TLS key: rsa2048 (default, as an MP) or p256 (a cheaper handshake, to measure the generator).")
    var serverKey: MPSimulatorConfiguration.ServerKeyType?

    @Option(help: ArgumentHelp(
        "TLS implementation of the TLS listener: lean (default) or niossl (also nio-ssl).",
        discussion: "lean: BoringSSL on one shared server context, a few KiB per idle session; niossl: NIOSSL, about three times the memory per idle session, for comparison. The HTTPS fallback always uses NIOSSL."
    ))
    var tlsEngine: MPSimulatorConfiguration.TLSEngine?

    @Option(help: "lenient (default): accept and count unknown SMSIDs and certificate mismatches; strict: close.")
    var identityCheck: MPSimulatorConfiguration.IdentityCheck?

    @Option(help: "PayloadSignature and registration signatures: off, log (default) or enforce (403 / Status 3).")
    var signatureVerification: MPSimulatorConfiguration.SignatureVerification?

    @Option(help: "Registration answer: auto (Status 0, approved; default) or pending (Status 1).")
    var approval: MPSimulatorConfiguration.Approval?

    @Flag(inversion: .prefixedNo, help: "Keep the SMSID a registering client proposes.")
    var honorProposedSmsid: Bool?

    @Option(help: "TCP: close a session with no frame for this long (default 45m).")
    var tcpIdleTimeout: String?

    @Option(help: "HTTP: hold a Continue this long before the idle answer (default 540s).")
    var httpHold: String?

    @Option(help: "HTTP: pushes queued per session with no poll held (default 16; overflow counts as failed).")
    var httpQueueLimit: Int?

    @Option(help: "HTTP: expire a session after this many KeepAliveIntervals without a Continue (default 3).")
    var httpIdleIntervals: Int?

    @Option(help: "HTTP: the shortest session idle expiry (default 60s).")
    var httpMinimumIdle: String?

    @Option(help: "Accepted connection → SignIn, TLS handshake included (default 30s).")
    var handshakeTimeout: String?

    @Option(help: "Largest BGB PayloadSize and HTTP body in bytes (default 1048576).")
    var maxPayloadSize: Int?

    @Option(help: "TimeStamps the simulator writes: wholeSeconds (default) or dotnet (7-digit fraction).")
    var timestampStyle: MPSimulatorConfiguration.TimestampStyle?

    @Option(help: "Push throttling: clients per batch (off unless given).")
    var throttleClients: Int?

    @Option(help: "Push throttling: time between batches (default 1s).")
    var throttleInterval: String?

    @Option(help: "Admin Type → wire TaskType, e.g. --type-map 9=1 (repeatable). Built in: 8=1, 135=15, 145=15.")
    var typeMap: [String] = []

    @Option(help: "A collection besides SMS00001, e.g. --collection LAB00001=16777217,16777218 (repeatable).")
    var collection: [String] = []

    @Option(help: "Clients of the site outside the fleet: N online members of SMS00001 (and SMS_R_System records) that never answer a push, as a real site has (default 0).")
    var foreignClients: Int?

    @Option(help: "ServerID reported in SMS_CN_ClientStatus (default 1).")
    var serverId: Int?

    @Option(help: "Where the server certificate is kept (default ~/.cache/bgbfleet/mp-sim).")
    var stateDir: String?

    @Option(help: .hidden)
    var adminToken: String?

    @OptionGroup(title: "Security")
    var security: MPSimSecurityOptions

    @Option(help: "Sessions expected: refuse to start when the open-file limit cannot hold them.")
    var expectedSessions: Int?

    @Option(help: "Fault: delay every SignInConfirm by this much (e.g. 250ms).")
    var signinConfirmDelay: String?

    @Flag(inversion: .prefixedNo, help: "Fault: ignore keep-alives (no LastStatusTime refresh).")
    var ignoreKeepalives: Bool?

    @Option(help: "Status line period (default 10s; 0 turns it off).")
    var statusInterval: String = "10s"

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .notice

    /// The configuration: defaults, then the YAML file, then the flags.
    func makeConfiguration() throws -> MPSimulatorConfiguration {
        var configuration = MPSimulatorConfiguration()
        if let config {
            do {
                configuration = try MPSimulatorConfiguration.load(file: config)
            } catch {
                throw CommandFailure.badInput("\(config): \(error)")
            }
        }
        func duration(_ text: String?, _ flag: String) throws -> Duration? {
            guard let text else { return nil }
            guard let value = DurationText.parse(text) else {
                throw CommandFailure.badInput("--\(flag) '\(text)' is not a duration such as 500ms, 30s, 45m or 1h")
            }
            return value
        }
        func port(_ text: String?, _ flag: String) throws -> Int?? {
            guard let text else { return .none }
            if ["disabled", "off", "none"].contains(text.lowercased()) { return .some(nil) }
            guard let value = Int(text) else { throw CommandFailure.badInput("--\(flag) '\(text)' is not a port number or 'disabled'") }
            return .some(value)
        }
        if let host { configuration.host = host }
        if let tlsPort { configuration.tlsPort = tlsPort }
        if let value = try port(httpPort, "http-port") { configuration.httpPort = value }
        if let httpTls { configuration.httpTLS = httpTls }
        if let value = try port(adminPort, "admin-port") { configuration.adminPort = value }
        if let adminHost { configuration.adminHost = adminHost }
        if let tlsMin { configuration.tlsMinimumVersion = tlsMin }
        if let tlsMax { configuration.tlsMaximumVersion = tlsMax }
        if let serverKey { configuration.serverKey = serverKey }
        if let tlsEngine { configuration.tlsEngine = tlsEngine }
        if let clientCertificate { configuration.clientCertificate = clientCertificate }
        if let identityCheck { configuration.identityCheck = identityCheck }
        if let signatureVerification { configuration.signatureVerification = signatureVerification }
        if let approval { configuration.approval = approval }
        if let honorProposedSmsid { configuration.honorProposedSMSID = honorProposedSmsid }
        if let value = try duration(tcpIdleTimeout, "tcp-idle-timeout") { configuration.tcpIdleTimeout = value }
        if let value = try duration(httpHold, "http-hold") { configuration.httpHold = value }
        if let httpQueueLimit { configuration.httpQueueLimit = httpQueueLimit }
        if let httpIdleIntervals { configuration.httpIdleIntervals = httpIdleIntervals }
        if let value = try duration(httpMinimumIdle, "http-minimum-idle") { configuration.httpMinimumIdle = value }
        if let value = try duration(handshakeTimeout, "handshake-timeout") { configuration.handshakeTimeout = value }
        if let maxPayloadSize { configuration.maximumPayloadSize = maxPayloadSize }
        if let timestampStyle { configuration.timestampStyle = timestampStyle }
        let interval = try duration(throttleInterval, "throttle-interval")
        if let throttleClients {
            guard throttleClients >= 1 else { throw CommandFailure.badInput("--throttle-clients must be at least 1") }
            configuration.pushThrottle = .init(
                clientsPerBatch: throttleClients,
                batchInterval: interval ?? configuration.pushThrottle?.batchInterval ?? .seconds(1)
            )
        } else if let interval {
            guard var throttle = configuration.pushThrottle else {
                throw CommandFailure.badInput("--throttle-interval needs --throttle-clients (or pushThrottle in the file)")
            }
            throttle.batchInterval = interval
            configuration.pushThrottle = throttle
        }
        for entry in typeMap {
            let parts = entry.split(separator: "=")
            guard parts.count == 2, let type = Int(parts[0]), let wire = Int(parts[1]) else {
                throw CommandFailure.badInput("--type-map '\(entry)' is not TYPE=TASKTYPE, e.g. 9=1")
            }
            configuration.typeMap[type] = wire
        }
        for entry in collection {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CommandFailure.badInput("--collection '\(entry)' is not ID=RESOURCEID,…")
            }
            var ids: [Int] = []
            for item in parts[1].split(separator: ",") {
                guard let id = Int(item.trimmingCharacters(in: .whitespaces)) else {
                    throw CommandFailure.badInput("--collection '\(entry)': '\(item)' is not a ResourceID")
                }
                ids.append(id)
            }
            configuration.collections[String(parts[0])] = ids
        }
        if let foreignClients {
            guard (0...1_000_000).contains(foreignClients) else {
                throw CommandFailure.badInput("--foreign-clients \(foreignClients): must be 0…1000000")
            }
            configuration.foreignClients = foreignClients
        }
        if let serverId { configuration.serverID = serverId }
        if let stateDir { configuration.stateDirectory = stateDir }
        if adminToken != nil {
            throw CommandFailure.badInput(
                "--admin-token: a token on the command line is visible to every user of this host: use --admin-token-file FILE or \(MPSimSecurityOptions.tokenVariable)"
            )
        }
        try security.apply(to: &configuration, environment: ProcessInfo.processInfo.environment)
        if let expectedSessions { configuration.expectedSessions = expectedSessions }
        if let value = try duration(signinConfirmDelay, "signin-confirm-delay") { configuration.faults.signInConfirmDelay = value }
        if let ignoreKeepalives { configuration.faults.ignoreKeepAlives = ignoreKeepalives }
        do {
            try configuration.validate()
        } catch {
            throw CommandFailure.badInput(error.description)
        }
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let level = logLevel
        guard let statusPeriod = DurationText.parse(statusInterval) else {
            throw CommandFailure.badInput("--status-interval '\(statusInterval)' is not a duration")
        }
        var logger = Logger(label: "bgbfleet.mp-sim")
        logger.logLevel = level

        let simulator = MPSimulator(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let addresses: MPSimulator.BoundAddresses
        do {
            addresses = try await simulator.start()
        } catch let error as MPSimulatorError {
            switch error {
            case .invalidConfiguration, .capacity: throw CommandFailure.badInput(error.description)
            default: throw CommandFailure.runFailed(error.description)
            }
        }
        print("mp-sim listening")
        print("  tls    \(MPSimulator.BoundAddresses.format(addresses.tls))  (TLS \(configuration.tlsMinimumVersion.rawValue)–\(configuration.tlsMaximumVersion.rawValue), client certificate \(configuration.clientCertificate.rawValue), server key \(configuration.serverKey.rawValue), engine \(configuration.tlsEngine.rawValue))")
        print("  http   \(addresses.http.map { "\(MPSimulator.BoundAddresses.format($0))\(configuration.httpTLS ? " (HTTPS)" : "")" } ?? "disabled")")
        print("  admin  \(addresses.admin.map { MPSimulator.BoundAddresses.format($0) } ?? "disabled")")
        print("  server certificate SHA-1 thumbprint \(simulator.serverCertificateThumbprint ?? "?")")
        if let limit = simulator.fileDescriptorLimit {
            print("  open files: soft limit \(limit.soft), hard limit \(limit.hard)")
        }
        print("  identity check \(configuration.identityCheck.rawValue), signatures \(configuration.signatureVerification.rawValue)")

        let signals = InterruptHandler(
            stopping: nil,
            again: .exit(message: "mp-sim: interrupted again: exiting at once")
        )
        defer { signals.cancel() }
        // A server's log: out now, also into a pipe or a file (systemd, tee), not at exit; the
        // signal handler is in place once the startup lines are out.
        fflush(nil)
        let status = Task {
            guard statusPeriod > .zero else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: statusPeriod)
                if Task.isCancelled { break }
                print(Self.statusLine(simulator))
                fflush(nil)
            }
        }
        let received = await signals.firstSignal()
        status.cancel()
        print("received \(received == SIGTERM ? "SIGTERM" : "SIGINT"), shutting down")
        try await simulator.shutdown()
        print(Self.finalCounters(simulator))
    }

    static func milliseconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.2fms", Double(nanoseconds) / 1e6)
    }

    static func statusLine(_ simulator: MPSimulator) -> String {
        let counters = simulator.counters()
        let rtt = simulator.rttSnapshot()
        return "online \(counters.sessionsOnline) (tcp \(counters.sessionsOnlineTCP), http \(counters.sessionsOnlineHTTP))"
            + " | signins \(counters.signIns) | pushes \(counters.pushesWritten) | responses \(counters.responsesMatched)"
            + " | mp_rtt p50 \(milliseconds(rtt.valueAtPercentile(50))) p99 \(milliseconds(rtt.valueAtPercentile(99)))"
    }

    static func finalCounters(_ simulator: MPSimulator) -> String {
        let c = simulator.counters()
        let rtt = simulator.rttSnapshot()
        var lines = [
            "final counters",
            "  connections accepted tcp \(c.connectionsAcceptedTCP), http \(c.connectionsAcceptedHTTP), refused \(c.connectionsRefused)",
            "  signins tcp \(c.signInsTCP), http \(c.signInsHTTP); replaced \(c.replacedSessions); keep-alives \(c.keepAlives) (ignored \(c.keepAlivesIgnored))",
            "  operations \(c.operations); pushes written \(c.pushesWritten), queued \(c.pushesQueued), failed \(c.pushesFailed), offline \(c.pushesOffline)",
            "  responses matched \(c.responsesMatched) (failed ReturnCode \(c.responsesFailedReturnCode)), unmatched \(c.responsesUnmatched), duplicate \(c.responsesDuplicate)",
            "  http logins \(c.httpLogIns), continues \(c.httpContinues), logouts \(c.httpLogOuts), 990s \(c.httpSessionEndedAnswers), expired \(c.httpSessionsExpired)",
            "  signatures verified \(c.signaturesVerified), invalid \(c.signaturesInvalid), missing \(c.signaturesMissing), unchecked \(c.signaturesUnchecked)",
            "  mp_rtt count \(rtt.totalCount) p50 \(milliseconds(rtt.valueAtPercentile(50))) p99 \(milliseconds(rtt.valueAtPercentile(99))) max \(milliseconds(rtt.max))",
        ]
        func table(_ name: String, _ values: [String: UInt64]) {
            guard !values.isEmpty else { return }
            lines.append("  \(name): " + values.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        table("closes", c.closes)
        table("protocol errors", c.protocolErrors)
        table("registrations", c.registrations)
        return lines.joined(separator: "\n")
    }
}
