import BGBProtocol
import CCMMessaging
import NIOCore

extension SimulatorCore {
    /// The largest inflated registration payload accepted (a zlib bomb is an error).
    static let registrationInflateLimit = 4 << 20

    /// `CCM_POST /ccm_system/request` (and the windowsauth/altauth paths): spec §5.
    func handleRegistration(_ request: HTTPRequest) -> HTTPMessage {
        let body: CCMMessageBody
        let registration: ClientRegistrationRequest
        do {
            body = try CCMMessageBody(
                decoding: Array(request.body.readableBytesView),
                contentType: request.header("Content-Type") ?? CCMMultipart.contentType,
                inflateLimit: Self.registrationInflateLimit
            )
        } catch {
            return malformedRegistration("\(error)")
        }
        guard body.envelope.targetEndpoint == "MP_ClientRegistration" else {
            update { $0.count(.unsupportedEndpoint) }
            return Self.plain(404, "Not Found")
        }
        do {
            registration = try ClientRegistrationRequest(xml: body.payloadXML)
        } catch {
            return malformedRegistration("\(error)")
        }

        var signatureProblem: String?
        if configuration.signatureVerification != .off {
            signatureProblem = verifyRegistrationSignature(registration)
            update { counters in
                if signatureProblem == nil { counters.signaturesVerified += 1 } else { counters.signaturesInvalid += 1 }
            }
        }
        if let signatureProblem {
            if configuration.signatureVerification == .enforce {
                logger.notice("registration rejected", metadata: [
                    "netbios": "\(registration.netbiosName)", "detail": "\(signatureProblem)",
                ])
                update { $0.count(.rejectedSignature) }
                return reply(
                    ClientRegistrationResponse(smsID: nil, status: .error, approvalStatus: .unknown, timeStamp: registrationTime()),
                    answering: body.envelope
                )
            }
            logger.debug("registration signature failed (accepted)", metadata: ["detail": "\(signatureProblem)"])
            update { $0.count(.acceptedBadSignature) }
        }

        var smsID = SMSID.random()
        if configuration.honorProposedSMSID, let proposed = try? SMSID(registration.smsID) { smsID = proposed }
        let approved = configuration.approval == .auto
        _ = directory.register(
            [(smsID, ClientCertificate(der: registration.signingCertificate), registration.netbiosName, registration.fqName)],
            origin: .registered,
            approved: approved
        )
        update { $0.count(approved ? .registered : .pending) }
        return reply(
            ClientRegistrationResponse(
                smsID: smsID,
                status: approved ? .registered : .pending,
                approvalStatus: approved ? .approved : .pending,
                timeStamp: registrationTime()
            ),
            answering: body.envelope
        )
    }

    /// Nil when the signature verifies with the Signing certificate's key: SHA-256 for both SHA-256
    /// OIDs, SHA-1 for the SHA-1 ones (spec §5.5). Certificate details are never judged.
    private func verifyRegistrationSignature(_ registration: ClientRegistrationRequest) -> String? {
        let key = VerificationKey(certificateDER: registration.signingCertificate)
        switch key {
        case .rsa(let publicKey):
            switch registration.verifySignature(publicKey: publicKey) {
            case .valid: return nil
            case .invalid: return "the signature does not verify with the Signing certificate"
            case .unsupportedHashAlgorithm(let oid): return "unsupported HashAlgorithm \(oid)"
            case .malformed(let reason): return "malformed SignatureValue: \(reason)"
            }
        case .p256:
            guard let digest = ClientRegistrationRequest.HashAlgorithmOID.digest(for: registration.hashAlgorithm) else {
                return "unsupported HashAlgorithm \(registration.hashAlgorithm)"
            }
            guard let reversed = try? ReversedSignature.bytes(fromHex: registration.signatureValue) else {
                return "malformed SignatureValue"
            }
            let data = UTF16LE.encode(registration.signedDataText ?? registration.dataXML)
            return key.verify(reversed: reversed, data: data, digest: digest)
                ? nil : "the signature does not verify with the Signing certificate"
        case .unsupported(let reason):
            return reason
        }
    }

    private func malformedRegistration(_ detail: String) -> HTTPMessage {
        update { counters in
            counters.count(.malformedRegistration)
            counters.count(RegistrationResult.malformed)
        }
        logger.notice("malformed registration request", metadata: ["detail": "\(detail)"])
        return Self.plain(400, "Bad Request")
    }

    private func registrationTime() -> String {
        BGBTimeStamp.now(.utcWholeSeconds).description
    }

    private func reply(_ response: ClientRegistrationResponse, answering envelope: CCMEnvelope) -> HTTPMessage {
        let sentTime = registrationTime()
        let body = CCMMessageBody.reply(payloadXML: response.xml) { length in
            CCMEnvelope.registrationReply(answering: envelope, bodyLength: length, mpHost: configuration.host, sentTime: sentTime)
        }
        return CCMRegistrationHTTP.reply(body: body.encode())
    }
}
