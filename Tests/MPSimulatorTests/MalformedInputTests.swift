import BGBProtocol
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

/// Every bad input closes only its own connection: a healthy session keeps being served.
@Suite("Malformed input")
struct MalformedInputTests {
    /// The healthy session still gets and answers a push.
    static func healthyStillServed(_ healthy: TestTCPClient, _ fixture: Fixture) async throws {
        let id = try fixture.simulator.initiateClientOperation(type: 8, resourceIDs: [fixture.simulator.resourceID(for: healthy.identity!.smsID)!])
        try await healthy.answerPush()
        #expect(await eventually { fixture.simulator.operationStatus(id: id)?.completedClients == 1 })
    }

    static func header(payloadSize: UInt32, headerSize: UInt32 = 0, channel: UInt16) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeBGBFrameHeader(BGBFrameHeader(payloadSize: payloadSize, headerSize: headerSize, channel: BGBChannel(rawValue: channel)))
        return Array(buffer.readableBytesView)
    }

    enum BadFrame: String, CaseIterable, Sendable {
        case oversized, zeroPayload, headerSizeTooLarge, firstFrameNotSignIn, garbageXMLSignIn
    }

    @Test("a bad first frame closes that connection only", arguments: BadFrame.allCases)
    func badFrame(_ bad: BadFrame) async throws {
        try await Fixture.with { fixture in
            let healthy = try await fixture.onlineClient()
            let client = try await fixture.connectTCP(try TestIdentity.p256())
            let expected: ProtocolErrorReason
            switch bad {
            case .oversized:
                try await client.sendRaw(Self.header(payloadSize: 2 << 20, channel: 0))
                expected = .oversizedFrame
            case .zeroPayload:
                try await client.sendRaw(Self.header(payloadSize: 0, channel: 0))
                expected = .zeroPayloadSize
            case .headerSizeTooLarge:
                try await client.sendRaw(Self.header(payloadSize: 4, headerSize: 8, channel: 0) + Array("<a/>".utf8))
                expected = .headerSizeExceedsPayload
            case .firstFrameNotSignIn:
                try await client.keepAlive()
                expected = .firstFrameNotSignIn
            case .garbageXMLSignIn:
                let garbage = Array("<BgbSignInMessage><oops".utf8)
                try await client.sendRaw(Self.header(payloadSize: UInt32(garbage.count), channel: 0) + garbage)
                expected = .malformedMessage
            }
            #expect(await client.waitForClose())
            #expect(await eventually { fixture.simulator.counters().protocolErrors(expected) == 1 })
            #expect(await eventually { fixture.simulator.counters().closes(.protocolError) == 1 })
            try await Self.healthyStillServed(healthy, fixture)
            await healthy.close()
        }
    }

    @Test("malformed XML and unknown channels of a signed-in session are counted and ignored")
    func ignoredWhenOnline() async throws {
        try await Fixture.with { fixture in
            let client = try await fixture.onlineClient()
            let garbage = Array("<BgbKeepAliveMessage TimeStamp=\"x\"".utf8)
            try await client.sendRaw(Self.header(payloadSize: UInt32(garbage.count), channel: 2) + garbage)
            try await client.sendRaw(Self.header(payloadSize: 4, channel: 42) + Array("<x/>".utf8))
            #expect(await eventually {
                let counters = fixture.simulator.counters()
                return counters.protocolErrors(.malformedMessage) == 1 && counters.protocolErrors(.unknownChannel) == 1
            })
            try await Self.healthyStillServed(client, fixture)
            // A channel only the MP sends closes the session.
            try await client.send(.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds))))
            #expect(await client.waitForClose())
            #expect(await eventually { fixture.simulator.counters().protocolErrors(.unexpectedChannel) == 1 })
        }
    }

    @Test("garbage instead of a TLS handshake closes that connection")
    func garbageTLS() async throws {
        try await Fixture.with { fixture in
            let healthy = try await fixture.onlineClient()
            let raw = try await TestHTTPClient.connect(to: fixture.addresses.tls)
            try await raw.send(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n"))
            #expect(await raw.waitForClose())
            #expect(await eventually { fixture.simulator.counters().closes(.tlsError) == 1 })
            try await Self.healthyStillServed(healthy, fixture)
            await healthy.close()
        }
    }

    @Test("a client stopping mid-handshake is closed after handshakeTimeout")
    func midHandshake() async throws {
        // Long enough that a healthy handshake completes on a loaded two-core machine (the whole
        // suite starts at once there: handshakes have been seen to take over 3 s).
        try await Fixture.with({ $0.handshakeTimeout = .seconds(8) }) { fixture in
            let healthy = try await fixture.onlineClient()
            let raw = try await TestHTTPClient.connect(to: fixture.addresses.tls)
            try await raw.send(ByteBuffer(bytes: [0x16, 0x03, 0x01]))
            let silent = try await fixture.connectTCP(try TestIdentity.p256())
            #expect(await raw.waitForClose(timeout: .seconds(25)))
            #expect(await silent.waitForClose(timeout: .seconds(25)))
            #expect(await eventually { fixture.simulator.counters().closes(.handshakeTimeout) == 2 })
            try await Self.healthyStillServed(healthy, fixture)
            await healthy.close()
        }
    }

    @Test("a client stopping mid-frame is closed after tcpIdleTimeout")
    func midFrame() async throws {
        try await Fixture.with({ $0.tcpIdleTimeout = .milliseconds(2500) }) { fixture in
            let healthy = try await fixture.onlineClient()
            // The healthy one keeps its idle timer fresh from the start, also while the second
            // client signs in on a loaded machine; the stuck one expires. The keep-alives are sent
            // from the channel's event loop: test tasks on the cooperative pool can wait seconds
            // for a thread while the whole suite runs.
            var frame = ByteBuffer()
            BGBMessage.keepAlive(BGBKeepAlive(timeStamp: .now(.utcTrimmedFraction), clientID: healthy.identity!.smsID))
                .writeTCPFrame(into: &frame)
            let keepAlive = frame
            let channel = healthy.channel
            let keeper = channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(250)) { _ in
                channel.writeAndFlush(keepAlive, promise: nil)
            }
            defer { keeper.cancel() }
            let stuck = try await fixture.onlineClient()
            try await stuck.sendRaw(Self.header(payloadSize: 200, channel: 2) + Array("<BgbKeepAlive".utf8))
            #expect(await stuck.waitForClose(timeout: .seconds(20)))
            #expect(await eventually { fixture.simulator.counters().closes(.idleTimeout) == 1 })
            try await Self.healthyStillServed(healthy, fixture)
            keeper.cancel()
            await healthy.close()
        }
    }

    @Test("a slow reader is dropped (closed and counted) instead of buffering pushes without bound")
    func slowReader() async throws {
        try await Fixture.with { fixture in
            let healthy = try await fixture.onlineClient()
            let identity = try TestIdentity.p256()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let slow = try await TestTCPClient.connect(to: fixture.addresses.tls, identity: identity, receiveBufferSize: 4096)
            try await slow.signIn()
            try await slow.channel.setOption(.autoRead, value: false).get()
            let slowID = try #require(fixture.simulator.resourceID(for: slow.identity!.smsID))
            let param = String(repeating: "A", count: 512 * 1024)
            var pushes = 0
            while fixture.simulator.counters().slowReaderDrops == 0, pushes < 64 {
                let id = try fixture.simulator.initiateClientOperation(type: 8, resourceIDs: [slowID], param: param)
                #expect(await eventually { (fixture.simulator.operationStatus(id: id)?.writtenClients ?? 0) + (fixture.simulator.operationStatus(id: id)?.failedClients ?? 0) == 1 })
                pushes += 1
            }
            #expect(fixture.simulator.counters().slowReaderDrops == 1)
            #expect(await eventually { fixture.simulator.counters().closes(.slowReader) == 1 })
            let last = try #require(fixture.simulator.operationStatuses().last)
            #expect(last.failedClients == 1)
            try await Self.healthyStillServed(healthy, fixture)
            await healthy.close()
            await slow.close()
        }
    }

    @Test("malformed HTTP is answered and closed; the BGB HTTP endpoint keeps working")
    func malformedHTTP() async throws {
        try await Fixture.with { fixture in
            let bad = try await fixture.connectHTTP()
            try await bad.send(ByteBuffer(string: "CCM_POST\r\n\r\n"))
            #expect(try await bad.readResponse().status == 400)
            #expect(await bad.waitForClose())

            let huge = try await fixture.connectHTTP()
            try await huge.send(ByteBuffer(string: "CCM_POST /bgb/handler.ashx?RequestType=LogIn HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000)))
            #expect(try await huge.readResponse().status == 431)

            let chunked = try await fixture.connectHTTP()
            try await chunked.send(ByteBuffer(string: "CCM_POST /ccm_system/request HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"))
            #expect(try await chunked.readResponse().status == 501)

            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let good = try await fixture.connectHTTP()
            _ = try await bgb.signIn(on: good)
            let truncated = try await fixture.connectHTTP()
            var body = ByteBuffer()
            body.writeInteger(UInt32(3), endianness: .little)
            try await truncated.send(HTTPMessage(
                startLine: "CCM_POST /bgb/handler.ashx?RequestType=Continue HTTP/1.1",
                headers: [("Content-Length", "4")],
                body: body
            ))
            #expect(try await truncated.readResponse().status == 400)
            let notFound = try await fixture.connectHTTP()
            try await notFound.send(HTTPMessage(startLine: "GET /nothing HTTP/1.1", headers: [("Host", "x")]))
            #expect(try await notFound.readResponse().status == 404)
            #expect(fixture.simulator.counters().protocolErrors(.malformedHTTP) == 3)
            #expect(fixture.simulator.counters().sessionsOnlineHTTP == 1)
            for client in [bad, huge, chunked, good, truncated, notFound] { await client.close() }
        }
    }
}
