import BGBProtocol
import BGBTLS
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// What the three listeners need to build their pipelines, and how they are bound.
struct ListenerContext: Sendable {
    let core: SimulatorCore
    let tlsContext: NIOSSLContext
    /// The notification listener's shared lean TLS context (``MPSimulatorConfiguration/TLSEngine/lean``).
    let leanContext: BGBLeanTLSServerContext?
    let identity: ServerIdentity
    let simulator: MPSimulator
    let clientCertificates: ClientCertificatePolicy

    struct Refused: Error {}

    init(core: SimulatorCore, identity: ServerIdentity, simulator: MPSimulator) throws {
        self.core = core
        self.identity = identity
        self.simulator = simulator
        self.clientCertificates = try ClientCertificatePolicy(configuration: core.configuration, core: core)
        do {
            self.tlsContext = try NIOSSLContext(configuration: identity.tlsConfiguration(core.configuration))
            self.leanContext = core.configuration.tlsEngine == .lean
                ? try identity.leanServerContext(core.configuration, verifier: clientCertificates.leanVerifier)
                : nil
        } catch {
            throw MPSimulatorError.stateDirectory("the server certificate cannot be used for TLS: \(error)")
        }
    }

    /// Binds the listeners whose port is given, concurrently; closes the bound ones if one fails.
    func bindAll(tlsPort: Int, httpPort: Int?, adminPort: Int?, group: EventLoopGroup) async throws -> MPSimulator.Listeners {
        enum Bound: Sendable {
            case tls(Channel)
            case http(Channel)
            case admin(Channel)
        }
        let configuration = core.configuration
        var tls: Channel?
        var http: Channel?
        var admin: Channel?
        do {
            try await withThrowingTaskGroup(of: Bound.self) { tasks in
                tasks.addTask { .tls(try await bindTLS(host: configuration.host, port: tlsPort, group: group)) }
                if let httpPort {
                    tasks.addTask { .http(try await bindHTTP(host: configuration.host, port: httpPort, group: group)) }
                }
                if let adminPort {
                    tasks.addTask { .admin(try await bindAdmin(host: configuration.adminHost, port: adminPort, group: group)) }
                }
                for try await bound in tasks {
                    switch bound {
                    case .tls(let channel): tls = channel
                    case .http(let channel): http = channel
                    case .admin(let channel): admin = channel
                    }
                }
            }
        } catch {
            for channel in [tls, http, admin].compactMap({ $0 }) { try? await channel.close() }
            throw error
        }
        let tlsChannel = tls!
        return MPSimulator.Listeners(
            tls: tlsChannel,
            http: http,
            admin: admin,
            addresses: MPSimulator.BoundAddresses(
                tls: tlsChannel.localAddress!,
                http: http?.localAddress,
                admin: admin?.localAddress
            )
        )
    }

    private func bootstrap(_ group: EventLoopGroup) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
    }

    private func bind(_ bootstrap: ServerBootstrap, listener: String, host: String, port: Int) async throws -> Channel {
        do {
            return try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw MPSimulatorError.bind(listener: listener, address: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// The TLS notification listener: TLS → BGB frames → ``TCPSessionHandler``.
    func bindTLS(host: String, port: Int, group: EventLoopGroup) async throws -> Channel {
        let core = self.core
        let tlsContext = self.tlsContext
        let leanContext = self.leanContext
        let policy = clientCertificates
        let parser = BGBFrameParser.Configuration(
            maximumPayloadSize: core.configuration.maximumPayloadSize,
            zeroPayload: .reject,
            unknownChannel: .deliver
        )
        let bootstrap = bootstrap(group).childChannelInitializer { channel in
            if core.faults.isRefusing {
                core.update { $0.connectionsRefused += 1 }
                return channel.eventLoop.makeFailedFuture(Refused())
            }
            core.update { $0.connectionsAcceptedTCP += 1 }
            do {
                // Any client certificate is accepted (spec §2.2.3; SignIn compares thumbprints),
                // unless --client-ca asks for a chain to the site's CA.
                let tls: any ChannelHandler = if let leanContext {
                    BGBLeanTLSHandler(serverContext: leanContext)
                } else {
                    NIOSSLServerHandler(context: tlsContext, customVerificationCallback: policy.callback)
                }
                let session = TCPSessionHandler(core: core, eventLoop: channel.eventLoop, sessionNumber: core.nextSessionNumber())
                try channel.pipeline.syncOperations.addHandlers(
                    tls,
                    ByteToMessageHandler(BGBFrameDecoder(configuration: parser)),
                    session
                )
                return channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return try await bind(bootstrap, listener: "tls", host: host, port: port)
    }

    /// The HTTP(S) fallback and registration listener.
    func bindHTTP(host: String, port: Int, group: EventLoopGroup) async throws -> Channel {
        let core = self.core
        let tlsContext = core.configuration.httpTLS ? self.tlsContext : nil
        let policy = clientCertificates
        let maximumBody = core.configuration.maximumPayloadSize + 64 * 1024
        let bootstrap = bootstrap(group).childChannelInitializer { channel in
            if core.faults.isRefusing {
                core.update { $0.connectionsRefused += 1 }
                return channel.eventLoop.makeFailedFuture(Refused())
            }
            core.update { $0.connectionsAcceptedHTTP += 1 }
            do {
                if let tlsContext {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLServerHandler(context: tlsContext, customVerificationCallback: policy.callback)
                    )
                }
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(HTTPRequestDecoder(maximumBodySize: maximumBody)),
                    HTTPConnectionHandler(core: core)
                )
                return channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return try await bind(bootstrap, listener: "http", host: host, port: port)
    }

    /// The AdminService-shaped API (NIOHTTP1).
    func bindAdmin(host: String, port: Int, group: EventLoopGroup) async throws -> Channel {
        let simulator = self.simulator
        let bootstrap = bootstrap(group).childChannelInitializer { channel in
            do {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(AdminHandler(simulator: simulator))
                return channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return try await bind(bootstrap, listener: "admin", host: host, port: port)
    }
}
