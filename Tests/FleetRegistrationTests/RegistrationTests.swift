import BGBProtocol
import CCMMessaging
import Crypto
import FleetIdentity
import FleetRegistration
import Foundation
import Logging
import MPSimulator
import NIOCore
import NIOPosix
import TestSupport
import Testing
import _CryptoExtras

/// `bgbfleet identities register`: the registration client and the pool's registration run (spec §5).
@Suite("Registration")
struct RegistrationTests {
    /// A pool of `count` RSA identities (registration is RSA-signed), chunks of two.
    static func rsaPool(_ directory: TemporaryDirectory, count: Int = 3) async throws -> IdentityPool {
        var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .rsa2048, chunkSize: 2)
        try await pool.generate(count: count)
        return pool
    }

    static func startSimulator(_ configure: (inout MPSimulatorConfiguration) -> Void) async throws -> (MPSimulator, Int) {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-registration-sim")
        configure(&configuration)
        let (simulator, bound) = try await startQuietSimulator(configuration)
        return (simulator, bound.http!.port!)
    }

    static func client(port: Int, attempts: Int = 5) throws -> RegistrationClient {
        try RegistrationClient(
            target: RegistrationTarget(url: "http://127.0.0.1:\(port)"),
            options: .init(attempts: attempts, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(40), timeout: .seconds(10)),
            rateLimiter: RegistrationRateLimiter(perSecond: 200)
        )
    }

    /// A valid reply, as the simulator and the SDK's test server send it.
    static func reply(status: ClientRegistrationResponse.Status = .registered, smsID: SMSID? = .random()) -> ByteBuffer {
        let response = ClientRegistrationResponse(
            smsID: smsID,
            status: status,
            approvalStatus: status == .registered ? .approved : .unknown,
            timeStamp: "2026-11-26T17:46:01Z"
        )
        let body = CCMMessageBody.reply(payloadXML: response.xml) { length in
            CCMEnvelope.registrationReply(
                answering: CCMEnvelope.registrationRequest(bodyLength: 0, clientHost: "vm", mpHost: "127.0.0.1", sentTime: "2026-11-26T17:46:01Z"),
                bodyLength: length,
                mpHost: "127.0.0.1",
                sentTime: "2026-11-26T17:46:01Z"
            )
        }
        return CCMRegistrationHTTP.reply(body: body.encode()).bytes
    }

    static func plain(_ status: Int, _ reason: String, body: String = "") -> ByteBuffer {
        HTTPMessage(
            startLine: "HTTP/1.1 \(status) \(reason)",
            headers: [("Content-Length", String(body.utf8.count)), ("Connection", "close")],
            body: ByteBuffer(string: body)
        ).bytes
    }

    @Test("against the simulator: every identity registered, the assigned SMSID stored; a second run skips them")
    func simulator() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory)
            let (simulator, port) = try await Self.startSimulator { $0.signatureVerification = .enforce }
            let client = try Self.client(port: port)
            let report = try await pool.register(range: 0..<3, client: client, concurrency: 2)
            #expect(report.approved == 3)
            #expect(report.failures.isEmpty)
            #expect(report.retries == 0)

            let reopened = try IdentityPool.open(at: pool.directory)
            for identity in try reopened.loadAll() {
                let registration = try #require(identity.registration)
                #expect(registration.mp == "http://127.0.0.1:\(port)/ccm_system/request")
                #expect(registration.approvalStatus == .approved)
                #expect(registration.assignedSMSID != identity.mintedSMSID)
                #expect(identity.smsid == registration.assignedSMSID)
                #expect(simulator.resourceID(for: try SMSID(registration.assignedSMSID.rawValue)) != nil)
            }
            let counters = simulator.counters()
            #expect(counters.registrations(.registered) == 3)
            #expect(counters.signaturesVerified == 3)
            #expect(counters.signaturesInvalid == 0)
            #expect(try reopened.registrationSummary().approved == 3)

            let again = try await reopened.register(range: 0..<3, client: client)
            #expect(again.skipped == 3)
            #expect(again.registered == 0)
            #expect(simulator.counters().registrations(.registered) == 3)
            try await simulator.shutdown()
        }
    }

    @Test("approval pending: the SMSID is stored with approval status pending")
    func pending() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 2)
            let (simulator, port) = try await Self.startSimulator { $0.approval = .pending }
            let report = try await pool.register(range: 0..<2, client: try Self.client(port: port))
            #expect(report.pending == 2)
            #expect(report.approved == 0)
            let identities = try IdentityPool.open(at: pool.directory).loadAll()
            #expect(identities.allSatisfy { $0.registration?.approvalStatus == .pending })
            #expect(try pool.registrationSummary().pending == 2)
            try await simulator.shutdown()
        }
    }

    @Test("garbage answers fail each identity with a clear error; nothing is recorded")
    func garbage() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 2)
            let server = try await RegistrationTestServer.start { _, _ in
                Self.plain(200, "OK", body: "<html>not a registration reply</html>")
            }
            let report = try await pool.register(range: 0..<2, client: try Self.client(port: server.port))
            #expect(report.registered == 0)
            #expect(report.failures.map(\.index) == [0, 1])
            #expect(report.failuresByReason == ["malformed_reply": 2])
            let description = try #require(report.failures.first?.error.description)
            #expect(description.hasPrefix("malformed registration reply: multipart"))
            #expect(server.requests.count == 2)  // not retried
            #expect(try pool.registrationSummary().registered == 0)
            await server.shutdown()
        }
    }

    @Test("503 then 200: retried with backoff and recorded")
    func retried() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 1)
            let assigned = SMSID.random()
            let server = try await RegistrationTestServer.start { _, number in
                number == 0 ? Self.plain(503, "Service Unavailable") : Self.reply(smsID: assigned)
            }
            let report = try await pool.register(range: 0..<1, client: try Self.client(port: server.port))
            #expect(report.approved == 1)
            #expect(report.retries == 1)
            #expect(server.requests.count == 2)
            #expect(try pool.registration(at: 0)?.assignedSMSID.rawValue == assigned.rawValue)
            await server.shutdown()
        }
    }

    @Test("refused, 4xx and exhausted retries are per-identity errors", arguments: [
        (Self.reply(status: .error, smsID: nil), "refused", 1),
        (Self.plain(404, "Not Found"), "http_status", 1),
        (Self.plain(500, "Internal Server Error"), "http_status", 3),
        (Self.reply(status: .registered, smsID: nil), "malformed_reply", 1),
    ])
    func failures(answer: ByteBuffer, reason: String, requests: Int) async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 1)
            let server = try await RegistrationTestServer.start { _, _ in answer }
            let report = try await pool.register(range: 0..<1, client: try Self.client(port: server.port, attempts: 3))
            #expect(report.failuresByReason == [reason: 1])
            #expect(server.requests.count == requests)
            #expect(try pool.registration(at: 0) == nil)
            await server.shutdown()
        }
    }

    @Test("a refused connection is retried, then reported as a transport failure")
    func connectionRefused() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 1)
            let server = try await RegistrationTestServer.start { _, _ in Self.plain(500, "x") }
            let port = server.port
            await server.shutdown()
            let report = try await pool.register(range: 0..<1, client: try Self.client(port: port, attempts: 2))
            #expect(report.failuresByReason == ["transport": 1])
        }
    }

    @Test("P-256 identities are refused before anything is sent")
    func p256Refused() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256)
            try await pool.generate(count: 1)
            let server = try await RegistrationTestServer.start { _, _ in Self.reply() }
            let report = try await pool.register(range: 0..<1, client: try Self.client(port: server.port))
            #expect(report.failures.map(\.error) == [.unsupportedKey(.p256)])
            #expect(server.requests.isEmpty)
            await server.shutdown()
        }
    }

    @Test("the request: SDK request line and headers in order, the envelope, a signature that verifies")
    func requestBytes() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await Self.rsaPool(directory, count: 1)
            let identity = try pool.identity(at: 0)
            let client = try RegistrationClient(target: RegistrationTarget(url: "http://127.0.0.1:8080"))
            let message = try client.request(for: identity)
            #expect(message.startLine == "CCM_POST /ccm_system/request HTTP/1.1")
            #expect(message.headers.map(\.name) == ["User-Agent", "Content-Type", "Content-Length", "Connection", "Host"])
            #expect(message.header("User-Agent") == "ConfigMgr Messaging HTTP Sender")
            #expect(message.header("Host") == "127.0.0.1:8080")
            #expect(message.header("Connection") == "close")
            let body = try CCMMessageBody(decoding: Array(message.body.readableBytesView))
            #expect(body.envelope.targetEndpoint == "MP_ClientRegistration")
            #expect(body.envelope.sourceHost == identity.netbiosName)
            #expect(body.envelope.targetHost == "127.0.0.1")
            let request = try ClientRegistrationRequest(xml: body.payloadXML)
            #expect(request.hashAlgorithm == "2.16.840.1.101.3.4.2.1")
            #expect(request.netbiosName == identity.netbiosName)
            #expect(request.signingCertificate == identity.certificateDER)
            let key = try _RSA.Signing.PrivateKey(derRepresentation: identity.privateKeyDER)
            #expect(request.verifySignature(publicKey: key.publicKey) == .valid(.sha256))
        }
    }

    @Test("MP URLs", arguments: [
        ("http://mp.contoso.com", "http://mp.contoso.com/ccm_system/request", 80, false),
        ("https://mp:8443/ccm_system_altauth/request", "https://mp:8443/ccm_system_altauth/request", 8443, true),
        ("mp.contoso.com:8080", "http://mp.contoso.com:8080/ccm_system/request", 8080, false),
        ("http://[::1]:81/", "http://[::1]:81/ccm_system/request", 81, false),
    ])
    func urls(url: String, canonical: String, port: Int, tls: Bool) throws {
        let target = try RegistrationTarget(url: url)
        #expect(target.description == canonical)
        #expect(target.port == port)
        #expect(target.tls == tls)
    }

    @Test("bad MP URLs are refused", arguments: ["ftp://mp", "http://mp:99999", "http://:80", "http://mp:x"])
    func badURLs(url: String) {
        #expect(throws: RegistrationError.self) { try RegistrationTarget(url: url) }
    }
}
