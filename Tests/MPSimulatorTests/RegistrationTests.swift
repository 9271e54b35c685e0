import BGBProtocol
import CCMMessaging
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

@Suite("Registration endpoint")
struct RegistrationTests {
    static func send(_ message: HTTPMessage, to fixture: Fixture) async throws -> TestHTTPClient.Response {
        let client = try await fixture.connectHTTP()
        try await client.send(message)
        let response = try await client.readResponse()
        await client.close()
        return response
    }

    static func decodeReply(_ response: TestHTTPClient.Response) throws -> ClientRegistrationResponse {
        let body = try CCMMessageBody(
            decoding: Array(response.body.readableBytesView),
            contentType: response.header("Content-Type") ?? ""
        )
        return try ClientRegistrationResponse(xml: body.payloadXML)
    }

    static var vectorRequest: HTTPMessage {
        get throws { try HTTPMessage(parsing: ByteBuffer(bytes: GoldenVectors.named("registration-request").bytes)) }
    }

    /// The vector's registration with a changed NetBIOS name: the signature no longer matches.
    static func tamperedVector(host: String) throws -> HTTPMessage {
        let original = try vectorRequest
        let body = try CCMMessageBody(decoding: Array(original.body.readableBytesView), contentType: original.header("Content-Type")!)
        let tampered = body.payloadXML.replacingOccurrences(of: "SDKSIM00000\"", with: "SDKSIM00666\"")
        #expect(tampered != body.payloadXML)
        let rebuilt = CCMMessageBody.request(payloadXML: tampered) { length in
            CCMEnvelope.registrationRequest(bodyLength: length, clientHost: "vm", mpHost: "127.0.0.1", sentTime: "2026-11-26T17:46:01Z")
        }
        return CCMRegistrationHTTP.request(body: rebuilt.encode(), host: host)
    }

    @Test("the SDK's registration request (golden vector) is verified, accepted and answered", arguments: [
        MPSimulatorConfiguration.SignatureVerification.log, .enforce,
    ])
    func goldenVector(mode: MPSimulatorConfiguration.SignatureVerification) async throws {
        try await Fixture.with({ $0.signatureVerification = mode }) { fixture in
            let response = try await Self.send(try Self.vectorRequest, to: fixture)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == CCMMultipart.contentType)
            let reply = try Self.decodeReply(response)
            #expect(reply.status == .registered)
            #expect(reply.approvalStatus == .approved)
            let smsID = try #require(reply.smsID)
            #expect(fixture.simulator.resourceID(for: smsID) == ClientDirectory.firstResourceID)
            let counters = fixture.simulator.counters()
            #expect(counters.signaturesVerified == 1)
            #expect(counters.registrations(.registered) == 1)
            let vector = GoldenVectors.named("registration-request")
            let record = try #require(fixture.simulator.core.directory.record(for: smsID))
            #expect(record.certificate?.thumbprint == vector.string("registration", "signing_certificate", "sha1_thumbprint"))
            #expect(record.netbiosName == "SDKSIM00000")
        }
    }

    @Test("a tampered registration fails under enforce (Status 3) and is counted under log")
    func tampered() async throws {
        try await Fixture.with({ $0.signatureVerification = .enforce }) { fixture in
            let response = try await Self.send(try Self.tamperedVector(host: "127.0.0.1"), to: fixture)
            #expect(response.status == 200)
            let reply = try Self.decodeReply(response)
            #expect(reply.status == .error)
            #expect(reply.smsID == nil)
            #expect(fixture.simulator.counters().registrations(.rejectedSignature) == 1)
            #expect(fixture.simulator.clientStatus().isEmpty)
        }
        try await Fixture.with({ $0.signatureVerification = .log }) { fixture in
            let reply = try Self.decodeReply(try await Self.send(try Self.tamperedVector(host: "127.0.0.1"), to: fixture))
            #expect(reply.status == .registered)
            #expect(fixture.simulator.counters().registrations(.acceptedBadSignature) == 1)
            #expect(fixture.simulator.counters().signaturesInvalid == 1)
        }
    }

    @Test("a freshly signed registration on the windowsauth path; pending approval")
    func signedRequestPending() async throws {
        try await Fixture.with({
            $0.signatureVerification = .enforce
            $0.approval = .pending
        }) { fixture in
            let identity = try TestIdentity.rsa()
            var request = ClientRegistrationRequest(
                timeStamp: BGBTimeStamp.now(.utcWholeSeconds).description,
                certificate: identity.certificateDER,
                netbiosName: "SIM00042",
                fqName: "SIM00042.sim.invalid"
            )
            guard case .rsa(let key) = identity.key else { return }
            try request.sign(with: key)
            let body = CCMMessageBody.request(payloadXML: request.xml) { length in
                CCMEnvelope.registrationRequest(bodyLength: length, clientHost: "SIM00042", mpHost: "127.0.0.1", sentTime: request.timeStamp)
            }
            let message = CCMRegistrationHTTP.request(body: body.encode(), host: "127.0.0.1", path: "/ccm_system_windowsauth/request")
            let reply = try Self.decodeReply(try await Self.send(message, to: fixture))
            #expect(reply.status == .pending)
            #expect(reply.approvalStatus == .pending)
            #expect(fixture.simulator.counters().registrations(.pending) == 1)
        }
    }

    @Test("other TargetEndpoints are answered 404; garbage 400")
    func otherEndpoints() async throws {
        try await Fixture.with { fixture in
            let body = CCMMessageBody.request(payloadXML: "<Request/>") { length in
                var envelope = CCMEnvelope.registrationRequest(bodyLength: length, clientHost: "vm", mpHost: "127.0.0.1", sentTime: "2026-11-26T17:46:01Z")
                envelope.targetEndpoint = "MP_LocationManager"
                envelope.targetAddress = "mp:MP_LocationManager"
                return envelope
            }
            let other = try await Self.send(CCMRegistrationHTTP.request(body: body.encode(), host: "127.0.0.1"), to: fixture)
            #expect(other.status == 404)
            let garbage = try await Self.send(CCMRegistrationHTTP.request(body: Array("not multipart".utf8), host: "127.0.0.1"), to: fixture)
            #expect(garbage.status == 400)
            #expect(fixture.simulator.counters().registrations(.malformed) == 1)
        }
    }
}
