import BGBClient
import BGBProtocol
import FleetIdentity
import MPSimulator
import NIOCore
import Testing

/// ``BGBClient``, the library's one-session API, against the in-process simulator over TLS.
@Suite("BGBClient session", .serialized)
struct BGBClientSessionTests {
    @Test(
        "connect signs in, a push arrives on the stream and its Response reaches the MP, close ends the session",
        .timeLimit(.minutes(1))
    )
    func pushAndClose() async throws {
        let (simulator, addresses) = try await HTTPSessionTests.startSimulator { $0.identityCheck = .strict }
        let identity = try Identity.generate(index: 0, keyType: .p256)
        _ = simulator.registerClient(smsID: try SMSID(identity.smsid.rawValue), certificateDER: identity.smsCertificate.certificateDER)
        let credentials = try BGBClientCredentials(
            smsID: try SMSID(identity.smsid.rawValue),
            certificateDER: identity.smsCertificate.certificateDER,
            privateKeyDER: identity.smsCertificate.privateKeyDER
        )
        let port = try #require(addresses.tls.port)
        // connect returns once SignInConfirm arrived: the session's delegate must live that long.
        let client = try await BGBClient.connect(host: "127.0.0.1", port: port, credentials: credentials)
        #expect(await HTTPSessionTests.eventually { simulator.counters().sessionsOnlineTCP == 1 })

        let operation = try simulator.initiateClientOperation(type: 8)
        var iterator = client.pushes.makeAsyncIterator()
        let push = try #require(await iterator.next())
        #expect(push.taskType == .requestPolicy)
        try await client.respond(to: push, returnCode: .success)
        #expect(await HTTPSessionTests.eventually { simulator.operationStatus(id: operation)?.completedClients == 1 })

        #expect(await client.close() == .local)
        #expect(await iterator.next() == nil)
        try await simulator.shutdown()
    }
}
