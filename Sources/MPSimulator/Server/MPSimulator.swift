import BGBProtocol
import FleetMetrics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The MP simulator: a ConfigMgr management point's notification server (TLS 10123 and the HTTP
/// fallback `/bgb/handler.ashx`), its registration endpoint (`/ccm_system/request`) and an
/// AdminService-shaped trigger and status API, with fault injection.
///
/// ```swift
/// let simulator = MPSimulator(configuration: .ephemeral())
/// let addresses = try await simulator.start()
/// let id = try simulator.initiateClientOperation(type: 8)
/// try await simulator.shutdown()
/// ```
///
/// The programmatic API (``initiateClientOperation(type:collectionID:resourceIDs:param:randomizationWindow:)``,
/// ``registerClients(_:)``, ``counters()`` …) is safe from any thread and works before ``start()``
/// (pre-registration) and after it.
public final class MPSimulator: Sendable {
    /// Where the listeners are bound (ephemeral ports resolved).
    public struct BoundAddresses: Sendable, Hashable, CustomStringConvertible {
        public var tls: SocketAddress
        public var http: SocketAddress?
        public var admin: SocketAddress?

        public var description: String {
            var parts = ["tls \(Self.format(tls))"]
            if let http { parts.append("http \(Self.format(http))") }
            if let admin { parts.append("admin \(Self.format(admin))") }
            return parts.joined(separator: ", ")
        }

        /// `127.0.0.1:10123` (`[::1]:10123` for IPv6).
        public static func format(_ address: SocketAddress) -> String {
            guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
            return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
    }

    /// A client to pre-register without a registration request.
    public struct PreRegistration: Sendable, Hashable {
        public var smsID: SMSID
        /// The SMS certificate's DER (its SHA-1 thumbprint is compared at TLS SignIn); nil skips the check.
        public var certificateDER: [UInt8]?
        public var netbiosName: String

        public init(smsID: SMSID, certificateDER: [UInt8]?, netbiosName: String = "") {
            self.smsID = smsID
            self.certificateDER = certificateDER
            self.netbiosName = netbiosName
        }
    }

    struct Listeners: Sendable {
        var tls: Channel
        var http: Channel?
        var admin: Channel?
        var addresses: BoundAddresses
        var httpScan: RepeatedTask?
    }

    enum Phase: Sendable {
        case idle
        case starting
        case running(Listeners, ListenerContext)
        case stopped
    }

    public let configuration: MPSimulatorConfiguration
    let group: EventLoopGroup
    let core: SimulatorCore
    let phase = NIOLockedValueBox<Phase>(.idle)
    private let limits = NIOLockedValueBox<(soft: Int, hard: Int)?>(nil)
    private let thumbprint = NIOLockedValueBox<String?>(nil)

    /// Creates a simulator; nothing is bound until ``start()``.
    ///
    /// - Parameters:
    ///   - configuration: listeners, policies, timeouts (validated by ``start()``).
    ///   - eventLoopGroup: where connections live; the caller owns it.
    ///   - logger: one line per abnormal close; debug lines for the rest.
    public init(
        configuration: MPSimulatorConfiguration,
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "bgbfleet.mp-sim")
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.core = SimulatorCore(configuration: configuration, logger: logger)
    }

    /// The SHA-1 thumbprint (upper-case hex) of the TLS server certificate, once started.
    public var serverCertificateThumbprint: String? { thumbprint.withLockedValue { $0 } }

    /// The file-descriptor limits after ``start()`` raised the soft limit to the hard one.
    public var fileDescriptorLimit: (soft: Int, hard: Int)? { limits.withLockedValue { $0 } }

    /// The addresses bound, while running.
    public var boundAddresses: BoundAddresses? {
        phase.withLockedValue { phase in
            if case .running(let listeners, _) = phase { return listeners.addresses }
            return nil
        }
    }

    // MARK: lifecycle

    /// Validates the configuration, raises the file limit, loads or creates the server certificate
    /// and binds the listeners.
    @discardableResult
    public func start() async throws -> BoundAddresses {
        try phase.withLockedValue { phase in
            guard case .idle = phase else { throw MPSimulatorError.alreadyStarted }
            phase = .starting
        }
        do {
            do {
                try configuration.validate()
            } catch {
                throw MPSimulatorError.invalidConfiguration(error)
            }
            let limit = FileDescriptorLimit.raise()
            limits.withLockedValue { $0 = limit }
            try FileDescriptorLimit.check(expectedSessions: configuration.expectedSessions, limit: limit)
            let identity: ServerIdentity
            do {
                if let certificateFile = configuration.serverCertificateFile, let keyFile = configuration.serverKeyFile {
                    identity = try ServerIdentity.load(certificateFile: certificateFile, keyFile: keyFile)
                } else {
                    identity = try ServerIdentity.loadOrCreate(directory: configuration.stateDirectory, keyType: configuration.serverKey)
                }
            } catch let error as MPSimulatorError {
                throw error
            } catch {
                throw MPSimulatorError.stateDirectory("\(configuration.stateDirectory): \(error)")
            }
            thumbprint.withLockedValue { $0 = identity.thumbprint }
            let context = try ListenerContext(core: core, identity: identity, simulator: self)
            var listeners = try await context.bindAll(tlsPort: configuration.tlsPort, httpPort: configuration.httpPort, adminPort: configuration.adminPort, group: group)
            listeners.httpScan = group.next().scheduleRepeatedTask(
                initialDelay: core.scanInterval,
                delay: core.scanInterval
            ) { [core] _ in core.scanHTTPSessions() }
            phase.withLockedValue { $0 = .running(listeners, context) }
            core.addForeignClients(configuration.foreignClients)
            core.logger.info("MP simulator listening", metadata: [
                "addresses": "\(listeners.addresses)", "thumbprint": "\(identity.thumbprint)",
                "fd_limit": "\(limit.soft)",
            ])
            return listeners.addresses
        } catch {
            phase.withLockedValue { $0 = .idle }
            throw error
        }
    }

    /// Closes the listeners, then every session (TLS close; HTTP sessions forgotten), and stops the
    /// expiry scans. The event loop group is left running.
    public func shutdown() async throws {
        let listeners: Listeners? = phase.withLockedValue { phase in
            defer { phase = .stopped }
            if case .running(let listeners, _) = phase { return listeners }
            return nil
        }
        guard let listeners else { return }
        listeners.httpScan?.cancel()
        for channel in [listeners.tls, listeners.http, listeners.admin].compactMap({ $0 }) {
            try? await channel.close()
        }
        await core.closeEverything(reason: .shutdown)
        for registry in core.allRegistries { registry.stopScanning() }
    }

    /// Starts, runs until the task is cancelled, then shuts down.
    public func run() async throws {
        try await start()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        try await shutdown()
    }

    /// Closes all sessions and the TLS and HTTP listeners, then binds the same ports again (the
    /// admin listener stays up).
    @discardableResult
    public func restartListeners() async throws -> BoundAddresses {
        guard case .running(var listeners, let context) = phase.withLockedValue({ $0 }) else {
            throw MPSimulatorError.notRunning
        }
        try? await listeners.tls.close()
        if let http = listeners.http { try? await http.close() }
        await core.closeEverything(reason: .listenerRestart)
        let fresh = try await context.bindAll(
            tlsPort: listeners.addresses.tls.port ?? configuration.tlsPort,
            httpPort: listeners.addresses.http?.port,
            adminPort: nil,
            group: group
        )
        listeners.tls = fresh.tls
        listeners.http = fresh.http
        listeners.addresses.tls = fresh.addresses.tls
        listeners.addresses.http = fresh.addresses.http
        let updated = listeners
        phase.withLockedValue { phase in
            if case .running = phase { phase = .running(updated, context) }
        }
        core.logger.notice("listeners restarted", metadata: ["addresses": "\(updated.addresses)"])
        return updated.addresses
    }

    // MARK: operations

    /// Starts a client operation (`SMS_ClientOperation.InitiateClientOperation[Ex]`): one new
    /// TaskID, PushID and TaskGuid; the Request goes at once to every target online now (T0).
    ///
    /// - Parameters:
    ///   - type: admin `Type` (8 = Download Computer Policy), mapped to the wire TaskType.
    ///   - collectionID: `SMS00001` (every known client) or a configured collection.
    ///   - resourceIDs: narrows the collection; unknown IDs count as offline.
    ///   - param: passed through as TaskParam (base64); empty when nil.
    /// - Throws: ``MPSimulatorError/unknownCollection(_:)``.
    public func initiateClientOperation(
        type: Int,
        collectionID: String = "SMS00001",
        resourceIDs: [Int]? = nil,
        param: String? = nil,
        randomizationWindow: Int? = nil
    ) throws -> OperationID {
        try core.initiate(
            type: type,
            collectionID: collectionID,
            resourceIDs: resourceIDs,
            param: param,
            randomizationWindow: randomizationWindow,
            scheduler: group.next()
        )
    }

    /// `SMS_ClientOperationStatus` of one operation; nil if unknown.
    public func operationStatus(id: OperationID) -> OperationStatus? {
        core.operations.operation(id)?.status()
    }

    /// Every operation's status, oldest first.
    public func operationStatuses() -> [OperationStatus] {
        core.operations.all().map { $0.status() }
    }

    /// The per-client record of one push; nil if the operation is unknown.
    public func pushRecords(id: OperationID) -> [PushClientRecord]? {
        core.operations.operation(id)?.clientRecords()
    }

    // MARK: clients

    /// `SMS_CN_ClientStatus`: one row per known client, in ResourceID order.
    public func clientStatus() -> [ClientStatusRow] {
        core.directory.statusRows().map { row in
            ClientStatusRow(
                resourceID: row.record.resourceID,
                smsID: row.record.smsID,
                onlineStatus: row.session == nil ? 0 : 1,
                channelType: row.session?.channelType,
                lastStatusTimeEpochNanoseconds: row.lastStatusTime == 0 ? nil : row.lastStatusTime,
                serverID: configuration.serverID
            )
        }
    }

    /// `SMS_CN_ClientStatus.GetOnlineCount` for a collection, optionally narrowed to ResourceIDs.
    public func onlineCount(collectionID: String = "SMS00001", resourceIDs: [Int]? = nil) throws -> Int {
        guard let members = core.collectionMembers(collectionID) else {
            throw MPSimulatorError.unknownCollection(collectionID)
        }
        var ids = members
        if let resourceIDs, !resourceIDs.isEmpty {
            let memberSet = Set(members)
            ids = Array(Set(resourceIDs)).filter { memberSet.contains($0) }
        }
        let smsIDs = ids.compactMap { core.directory.record(forResourceID: $0)?.smsID }
        return core.directory.sessions(for: smsIDs).lazy.filter { $0 != nil }.count
    }

    /// Registers one client without a registration request; returns its ResourceID.
    @discardableResult
    public func registerClient(smsID: SMSID, certificateDER: [UInt8]?, netbiosName: String = "") -> Int {
        registerClients([PreRegistration(smsID: smsID, certificateDER: certificateDER, netbiosName: netbiosName)])[0]
    }

    /// Registers many clients at once (an identity pool); the only crypto is each certificate's
    /// SHA-1 thumbprint. Returns the ResourceIDs in input order; a known SMSID keeps its ResourceID.
    @discardableResult
    public func registerClients(_ clients: [PreRegistration]) -> [Int] {
        let records = core.directory.register(
            clients.map { client in
                (
                    client.smsID, client.certificateDER.map(ClientCertificate.init(der:)), client.netbiosName,
                    client.netbiosName
                )
            },
            origin: .preRegistered,
            approved: true
        )
        core.update { $0.registrations[RegistrationResult.preRegistered.rawValue, default: 0] += UInt64(records.count) }
        return records.map(\.resourceID)
    }

    /// The ResourceID of a known client.
    public func resourceID(for smsID: SMSID) -> Int? {
        core.directory.record(for: smsID)?.resourceID
    }

    // MARK: metrics

    /// A snapshot of every counter.
    public func counters() -> MPSimulatorCounters {
        core.countersSnapshot
    }

    /// `mp_rtt` since start: push written (flushed) → Response read, nanoseconds, monotonic clock.
    public func rttSnapshot() -> HistogramSnapshot {
        core.rtt.snapshot()
    }

    /// HTTP fallback: time pushes spent queued until a poll took them, nanoseconds.
    public func httpQueueWaitSnapshot() -> HistogramSnapshot {
        core.httpQueueWait.snapshot()
    }

    // MARK: faults

    /// The faults in force.
    public var faults: MPSimulatorFaults { core.faults.snapshot }

    /// Delays every SignInConfirm (TCP and HTTP) by `delay`; `.zero` turns it off.
    public func setSignInConfirmDelay(_ delay: Duration) {
        precondition(delay >= .zero, "the SignInConfirm delay must not be negative")
        core.faults.signInConfirmDelay = delay
    }

    /// Ignores keep-alives: they refresh neither `LastStatusTime` nor the TCP idle timer.
    public func setIgnoreKeepAlives(_ ignore: Bool) {
        core.faults.ignoreKeepAlives = ignore
    }

    /// Closes every newly accepted connection at once for `duration` (`.zero` stops refusing).
    public func refuseConnections(for duration: Duration) {
        core.faults.refuse(until: duration > .zero ? .now() + duration.timeAmount : nil)
    }

    /// Closes a random `fraction` (0…1) of the online sessions: TCP by closing TLS, HTTP by ending
    /// the session (its held poll, or its next Continue, is answered 990). Returns how many.
    @discardableResult
    public func closeSessions(fraction: Double, channelType: ChannelType? = nil) -> Int {
        core.closeSessions(fraction: fraction, channelType: channelType)
    }

    /// Sends Disconnect, NegotiationNeeded or a zero-length frame to a random `fraction` of the
    /// online sessions (generator robustness tests). Returns how many were chosen.
    @discardableResult
    public func sendFaultFrame(_ frame: FaultFrame, fraction: Double, channelType: ChannelType? = nil) -> Int {
        core.sendFaultFrame(frame, fraction: fraction, channelType: channelType)
    }
}
