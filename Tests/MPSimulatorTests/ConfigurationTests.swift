import FleetMetrics
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import MPSimulator

@Suite("Configuration")
struct ConfigurationTests {
    @Test("an empty document gives the spec defaults")
    func defaults() throws {
        let configuration = try MPSimulatorConfiguration.load(yaml: "")
        #expect(configuration == MPSimulatorConfiguration())
        #expect(configuration.tlsPort == 10123)
        #expect(configuration.httpPort == 80)
        #expect(configuration.adminPort == 8080)
        #expect(configuration.tcpIdleTimeout == .seconds(2700))
        #expect(configuration.httpHold == .seconds(540))
        #expect(configuration.httpQueueLimit == 16)
        #expect(configuration.signatureVerification == .log)
        #expect(configuration.identityCheck == .lenient)
        #expect(configuration.wireTaskType(forAdminType: 8) == 1)
        #expect(configuration.wireTaskType(forAdminType: 135) == 15)
        #expect(configuration.wireTaskType(forAdminType: 145) == 15)
        #expect(configuration.wireTaskType(forAdminType: 12) == 12)
    }

    @Test("every field can be set from YAML; durations take units")
    func fullDocument() throws {
        let yaml = """
            host: 0.0.0.0
            tlsPort: 0
            httpPort: disabled
            adminPort: 9090
            tlsMinimumVersion: 1.2
            tlsMaximumVersion: "1.3"
            clientCertificate: optional
            serverKey: p256
            identityCheck: strict
            signatureVerification: enforce
            approval: pending
            tcpIdleTimeout: 45m
            httpHold: 500ms
            httpQueueLimit: 4
            handshakeTimeout: 10
            maximumPayloadSize: 65536
            timestampStyle: dotnet
            pushThrottle: {clientsPerBatch: 100, batchInterval: 1s}
            typeMap: {9: 0, 8: 1}
            serverID: 7
            collections: {LAB00001: [16777217, 16777218]}
            stateDirectory: /tmp/x
            adminBearerToken: token
            expectedSessions: 100
            faults: {signInConfirmDelay: 250ms, ignoreKeepAlives: true}
            """
        let configuration = try MPSimulatorConfiguration.load(yaml: yaml)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.httpPort == nil)
        #expect(configuration.adminPort == 9090)
        #expect(configuration.tlsMinimumVersion == .tls12)
        #expect(configuration.clientCertificate == .optional)
        #expect(configuration.serverKey == .p256)
        #expect(configuration.tcpIdleTimeout == .seconds(2700))
        #expect(configuration.httpHold == .milliseconds(500))
        #expect(configuration.handshakeTimeout == .seconds(10))
        #expect(configuration.pushThrottle == .init(clientsPerBatch: 100, batchInterval: .seconds(1)))
        #expect(configuration.typeMap == [9: 0, 8: 1])
        #expect(configuration.wireTaskType(forAdminType: 9) == 0)
        #expect(configuration.collections["LAB00001"] == [16_777_217, 16_777_218])
        #expect(configuration.adminBearerToken == "token")
        #expect(configuration.faults == .init(signInConfirmDelay: .milliseconds(250), ignoreKeepAlives: true))
        // Round trip through the encoder.
        let encoded = try JSONEncoder().encode(configuration)
        #expect(!encoded.isEmpty)
    }

    @Test("unknown keys and wrong types are errors naming the key")
    func errors() {
        func message(_ yaml: String) -> String {
            do {
                _ = try MPSimulatorConfiguration.load(yaml: yaml)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(message("tlsPrt: 1").contains("'tlsPrt'"))
        #expect(message("faults: {delay: 1}").contains("'faults.delay'"))
        #expect(message("tlsPort: abc").contains("'tlsPort'"))
        #expect(message("httpHold: soon").contains("'httpHold'"))
        #expect(message("identityCheck: maybe").contains("strict"))
        #expect(message("tlsPort: 70000").contains("'tlsPort'"))
        #expect(message("tlsMinimumVersion: 1.3\ntlsMaximumVersion: 1.2").contains("tlsMinimumVersion"))
        #expect(message("httpQueueLimit: 0").contains("'httpQueueLimit'"))
        #expect(message("pushThrottle: {batchInterval: 1s}").contains("clientsPerBatch"))
    }

    @Test("duration text")
    func durations() {
        #expect(DurationText.parse("1m30s") == .seconds(90))
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("2h") == .seconds(7200))
        #expect(DurationText.parse("1.5") == .milliseconds(1500))
        #expect(DurationText.parse("x") == nil)
        #expect(DurationText.parse("5 parsecs") == nil)
        #expect(DurationText.format(.seconds(2700)) == "45m")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
    }

    @Test("a capacity that cannot fit in the file limit is refused with a clear error")
    func capacity() async throws {
        let simulator = MPSimulator(configuration: Fixture.configuration { $0.expectedSessions = 1 << 40 })
        await #expect(throws: MPSimulatorError.self) { try await simulator.start() }
        do {
            try await simulator.start()
        } catch let error as MPSimulatorError {
            #expect(error.description.contains("expectedSessions"))
        }
        let limit = try #require(simulator.fileDescriptorLimit)
        #expect(limit.soft == limit.hard || limit.hard == Int.max)
    }

    /// Why MPSimulator has its own HTTP/1.1 decoder: NIOHTTP1's llhttp refuses the `CCM_POST` verb.
    @Test("NIOHTTP1 (llhttp) rejects CCM_POST")
    func llhttpRejectsCCMPost() async throws {
        final class Recorder: ChannelInboundHandler, Sendable {
            typealias InboundIn = HTTPServerRequestPart
            let mailbox = Mailbox<String>()
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                if case .head(let head) = unwrapInboundIn(data) { mailbox.push("head \(head.method)") }
            }
            func errorCaught(context: ChannelHandlerContext, error: Error) {
                mailbox.push(error as? HTTPParserError == .invalidMethod ? "error invalidMethod" : "error \(error)")
                context.close(promise: nil)
            }
        }
        let recorder = Recorder()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(recorder)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await TestHTTPClient.connect(to: server.localAddress!)
        try await client.send(ByteBuffer(string: "CCM_POST /bgb/handler.ashx?RequestType=LogIn HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
        let outcome = await recorder.mailbox.next(timeout: .seconds(5))
        #expect(outcome?.hasPrefix("error") == true)
        #expect(outcome?.contains("invalidMethod") == true, "llhttp's answer: \(outcome ?? "none")")
        await client.close()
        try await server.close()
    }
}
