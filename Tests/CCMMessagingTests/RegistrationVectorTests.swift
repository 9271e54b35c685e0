import BGBProtocol
import CCMMessaging
import Crypto
import NIOCore
import TestSupport
import Testing
import _CryptoExtras

@Suite("Registration golden vectors")
struct RegistrationVectorTests {
    static func parts(_ name: String) throws -> (HTTPMessage, CCMMessageBody) {
        let vector = GoldenVectors.named(name)
        let message = try HTTPMessage(parsing: ByteBuffer(bytes: vector.bytes))
        let body = try CCMMessageBody(
            decoding: Array(message.body.readableBytesView),
            contentType: message.header("Content-Type") ?? ""
        )
        return (message, body)
    }

    static func multipartText(_ vector: GoldenVector, part: Int) -> String {
        let parts = vector.value("multipart", "parts") as! [[String: Any]]
        return parts[part]["text"] as! String
    }

    @Test("the registration request decodes to the fields its README lists")
    func requestDecodes() throws {
        let vector = GoldenVectors.named("registration-request")
        let (message, body) = try Self.parts("registration-request")
        #expect(message.startLine == vector.string("http", "request_line"))
        #expect(message.headers.map { [$0.name, $0.value] } == vector.httpHeaders.map { [$0.0, $0.1] })
        #expect(body.envelopeXML == Self.multipartText(vector, part: 0))
        #expect(body.payloadXML == Self.multipartText(vector, part: 1))
        #expect(body.envelope.bodyLength == vector.int("registration", "body_length_attribute"))
        #expect(body.uncompressedLength == 8472)
        #expect(body.envelope.bodyLength == body.uncompressedLength - 2)
        #expect(body.trailer == CCMMessageBody.requestTrailer)
        #expect(body.compressedPayload.prefix(2) == [0x58, 0x85])

        let request = try ClientRegistrationRequest(xml: body.payloadXML)
        #expect(request.hashAlgorithm == vector.string("registration", "hash_algorithm"))
        #expect(request.smsID == "")
        #expect(request.requestType == "Registration")
        #expect(request.agentIdentity == "CCMSetup.exe")
        #expect(request.agentVersion == "5.00.8325.0000")
        #expect(request.netbiosName == "SDKSIM00000")
        #expect(request.fqName == "SDKSIM00000.sim.invalid")
        #expect(request.encryptionCertificate == request.signingCertificate)
        #expect(request.signingCertificate.count == vector.int("registration", "signing_certificate", "der_length"))
        #expect(request.signatureValue.count == vector.int("registration", "signature_hex_length"))
        #expect(
            ReversedSignature.hex(Array(Insecure.SHA1.hash(data: request.signingCertificate)))
                == vector.string("registration", "signing_certificate", "sha1_thumbprint")
        )
        #expect(UTF16LE.encode(try #require(request.signedDataText)).count == 7222)
        // Re-encoding the decoded values gives the same text (the structure is fixed).
        #expect(request.xml == body.payloadXML)
    }

    @Test("the envelope re-encodes to the SDK's exact text")
    func envelopeReencodes() throws {
        let (_, body) = try Self.parts("registration-request")
        let envelope = CCMEnvelope.registrationRequest(
            bodyLength: body.envelope.bodyLength,
            clientHost: "vm",
            mpHost: "127.0.0.1",
            sentTime: "2026-11-26T17:46:01Z",
            id: "{C710FD66-E37E-464F-8BD9-0A8F598D2A5D}"
        )
        #expect(envelope.requestXML == body.envelopeXML)
        #expect(envelope == body.envelope)
    }

    @Test("a request built from the decoded values matches the vector in structure")
    func requestRebuilds() throws {
        let (message, body) = try Self.parts("registration-request")
        let request = try ClientRegistrationRequest(xml: body.payloadXML)
        let rebuilt = CCMMessageBody.request(payloadXML: request.xml) { length in
            CCMEnvelope.registrationRequest(
                bodyLength: length,
                clientHost: "vm",
                mpHost: "127.0.0.1",
                sentTime: "2026-11-26T17:46:01Z",
                id: body.envelope.id
            )
        }
        let bytes = rebuilt.encode()
        let decoded = try CCMMessageBody(decoding: bytes)
        #expect(decoded.envelopeXML == body.envelopeXML)
        #expect(decoded.payloadXML == body.payloadXML)
        #expect(decoded.trailer == body.trailer)
        #expect(decoded.uncompressedLength == body.uncompressedLength)
        // The multipart framing around the compressed part is byte-identical.
        let original = Array(message.body.readableBytesView)
        let prefixLength = original.count - body.compressedPayload.count - 2 - 30
        #expect(Array(bytes.prefix(prefixLength)) == Array(original.prefix(prefixLength)))
        #expect(Array(bytes.suffix(32)) == Array(original.suffix(32)))
        // Our zlib output is the library default.
        #expect(rebuilt.compressedPayload.prefix(2) == [0x78, 0x9C])
        let http = CCMRegistrationHTTP.request(body: bytes, host: "127.0.0.1:58363")
        #expect(http.headers.map(\.name) == ["User-Agent", "Content-Type", "Content-Length", "Connection", "Host"])
    }

    @Test("the SDK's registration signature verifies over the UTF-16LE <Data> text")
    func signatureVerifies() throws {
        let (_, body) = try Self.parts("registration-request")
        let request = try ClientRegistrationRequest(xml: body.payloadXML)
        let publicKey = try Self.publicKey(fromCertificate: request.signingCertificate)
        #expect(request.verifySignature(publicKey: publicKey) == .valid(.sha256))
        var changed = request
        changed.netbiosName = "SDKSIM00001"
        let tampered = try ClientRegistrationRequest(xml: changed.xml)
        #expect(tampered.verifySignature(publicKey: publicKey) == .invalid)
        var otherOID = request
        otherOID.hashAlgorithm = "1.2.3.4"
        #expect(otherOID.verifySignature(publicKey: publicKey) == .unsupportedHashAlgorithm("1.2.3.4"))
    }

    @Test("the three HTTP Continue PayloadSignatures verify against the registered certificate")
    func payloadSignaturesVerify() throws {
        let (_, body) = try Self.parts("registration-request")
        let request = try ClientRegistrationRequest(xml: body.payloadXML)
        let publicKey = try Self.publicKey(fromCertificate: request.signingCertificate)
        for name in ["http-continue-signin", "http-continue-keepalive", "http-continue-response"] {
            let message = try HTTPMessage(parsing: ByteBuffer(bytes: GoldenVectors.named(name).bytes))
            let continueRequest = try BGBContinueRequest(body: message.body)
            let header = try BGBMessageHeader(bytes: continueRequest.frame.xmlHeader)
            let signature = try ReversedSignature.bytes(fromBase64: header.payloadSignature)
            #expect(signature.count == 256)
            #expect(
                ReversedSignature.isValid(
                    signature,
                    for: Array(continueRequest.frame.payload.readableBytesView),
                    publicKey: publicKey
                ),
                "\(name)"
            )
        }
    }

    @Test("the registration reply decodes, and re-encodes to the same texts")
    func replyDecodes() throws {
        let vector = GoldenVectors.named("registration-reply")
        let (message, body) = try Self.parts("registration-reply")
        #expect(message.status == 200)
        #expect(body.envelopeXML == Self.multipartText(vector, part: 0))
        #expect(body.payloadXML == Self.multipartText(vector, part: 1))
        #expect(body.trailer == CCMMessageBody.replyTrailer)
        #expect(body.envelope.bodyLength == body.uncompressedLength)
        let reply = try ClientRegistrationResponse(xml: body.payloadXML)
        #expect(reply.smsID?.rawValue == "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        #expect(reply.status == .registered)
        #expect(reply.approvalStatus == .approved)
        #expect(reply.xml == body.payloadXML)
        #expect(body.envelope.replyXML == body.envelopeXML)
    }

    static func publicKey(fromCertificate der: [UInt8]) throws -> _RSA.Signing.PublicKey {
        // SubjectPublicKeyInfo is the 7th element of TBSCertificate; find the RSA SPKI by its prefix.
        let marker: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        for index in 0..<(der.count - marker.count) where der[index..<(index + marker.count)].elementsEqual(marker) {
            // The SPKI SEQUENCE header is 4 bytes before the algorithm identifier (30 82 LL LL).
            let start = index - 4
            let length = Int(der[start + 2]) << 8 | Int(der[start + 3])
            return try _RSA.Signing.PublicKey(derRepresentation: der[start..<(start + 4 + length)])
        }
        throw CCMMessagingError.payload("no RSA key in the certificate")
    }
}
