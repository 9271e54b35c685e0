import BGBClient
import BGBProtocol
import CCMMessaging
import FleetIdentity
import Foundation
import NIOCore
import NIOPosix
import _CryptoExtras

/// Registers identities with a management point: `CCM_POST /ccm_system/request` with the SDK's
/// exact headers and signed `ClientRegistrationRequest` (spec §5), one connection per request
/// (`Connection: close`, as the SDK).
///
/// Connection errors and 5xx answers are retried with exponential backoff and jitter; every
/// attempt waits for the shared ``RegistrationRateLimiter``. The reply's signature is not
/// checked: an unsigned reply is accepted, as the SDK does (spec §10 item 22).
public struct RegistrationClient: Sendable {
    /// Retry, timeout and request choices.
    public struct Options: Sendable, Hashable {
        /// Attempts per identity, the first included.
        public var attempts: Int
        /// The delay before the first retry; it doubles per retry up to ``maximumBackoff``
        /// (each delay is drawn uniformly from its upper half).
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// One request's limit (the envelope's `Timeout` is 60 s).
        public var timeout: Duration
        /// The `HashAlgorithm` attribute: the SDK's SHA-256 digest OID by default.
        public var hashAlgorithm: String
        public var localeID: String
        public var connectTimeout: Duration

        public init(
            attempts: Int = 5,
            initialBackoff: Duration = .milliseconds(500),
            maximumBackoff: Duration = .seconds(10),
            timeout: Duration = .seconds(60),
            hashAlgorithm: String = ClientRegistrationRequest.HashAlgorithmOID.sha256Digest,
            localeID: String = "1033",
            connectTimeout: Duration = .seconds(10)
        ) {
            precondition(attempts >= 1, "at least one attempt")
            precondition(initialBackoff >= .zero && maximumBackoff >= initialBackoff, "backoff bounds out of order")
            self.attempts = attempts
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.timeout = timeout
            self.hashAlgorithm = hashAlgorithm
            self.localeID = localeID
            self.connectTimeout = connectTimeout
        }
    }

    public let target: RegistrationTarget
    public let options: Options
    public let rateLimiter: RegistrationRateLimiter?
    let address: SocketAddress
    let group: EventLoopGroup
    let tls: BGBTLSOptions

    /// - Throws: ``RegistrationError/invalidURL(_:_:)`` when the host does not resolve.
    public init(
        target: RegistrationTarget,
        options: Options = Options(),
        rateLimiter: RegistrationRateLimiter? = RegistrationRateLimiter(perSecond: 50),
        tls: BGBTLSOptions = BGBTLSOptions(minimumVersion: .tls10, maximumVersion: .tls13),
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(RegistrationError) {
        do {
            self.address = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
        } catch {
            throw .invalidURL(target.description, "cannot resolve \(target.host): \(error)")
        }
        self.target = target
        self.options = options
        self.rateLimiter = rateLimiter
        self.tls = tls
        self.group = group
    }

    /// Registers `identity`: builds and signs the request, sends it (retrying transient
    /// failures), and returns the SMSID and approval status the MP assigned.
    public func register(_ identity: Identity) async throws(RegistrationError) -> RegistrationReply {
        let key = try Self.signingKey(of: identity)
        var attempt = 0
        var backoff = options.initialBackoff
        while true {
            attempt += 1
            do {
                try await rateLimiter?.acquire()
            } catch {
                throw .cancelled
            }
            do {
                var reply = try await attemptOnce(identity, key: key)
                reply.attempts = attempt
                return reply
            } catch {
                guard error.isTransient, attempt < options.attempts else { throw error }
            }
            let delay = Self.jittered(backoff)
            backoff = min(options.maximumBackoff, backoff * 2)
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .cancelled
            }
        }
    }

    /// The signed request for `identity` as it goes on the wire (spec §5.1–§5.5).
    public func request(for identity: Identity, now: Date = Date()) throws(RegistrationError) -> HTTPMessage {
        try request(for: identity, key: Self.signingKey(of: identity), now: now)
    }

    func request(for identity: Identity, key: _RSA.Signing.PrivateKey, now: Date) throws(RegistrationError) -> HTTPMessage {
        let time = BGBTimeStamp(epochNanoseconds: Int64(now.timeIntervalSince1970 * 1e9), style: .utcWholeSeconds).description
        var registration = ClientRegistrationRequest(
            hashAlgorithm: options.hashAlgorithm,
            timeStamp: time,
            certificate: identity.certificateDER,
            netbiosName: identity.netbiosName,
            fqName: identity.fqdn,
            localeID: options.localeID
        )
        do {
            try registration.sign(with: key)
        } catch {
            throw .identity("signing failed: \(error)")
        }
        let body = CCMMessageBody.request(payloadXML: registration.xml) { length in
            CCMEnvelope.registrationRequest(
                bodyLength: length,
                clientHost: identity.netbiosName,
                mpHost: target.host,
                sentTime: time
            )
        }
        return CCMRegistrationHTTP.request(body: body.encode(), host: target.hostHeader, path: target.path)
    }

    /// Interprets an HTTP answer (spec §5.6): 200 with a multipart reply whose
    /// `ClientRegistrationResponse` says Registered or Pending and carries an SMSID.
    public static func reply(from response: HTTPClientResponse) throws(RegistrationError) -> RegistrationReply {
        guard response.status == 200 else { throw .httpStatus(response.status) }
        let body: CCMMessageBody
        let parsed: ClientRegistrationResponse
        do {
            body = try CCMMessageBody(
                decoding: Array(response.body.readableBytesView),
                contentType: response.header("Content-Type") ?? CCMMultipart.contentType
            )
            parsed = try ClientRegistrationResponse(xml: body.payloadXML)
        } catch {
            throw .malformedReply(error.description)
        }
        switch parsed.status {
        case .registered, .pending:
            break
        case .reset, .error, .certificateReset:
            throw .refused(status: "\(parsed.status.rawValue) \(parsed.status.name)")
        }
        guard let smsID = parsed.smsID, let poolSMSID = PoolSMSID(smsID.rawValue) else {
            throw .malformedReply("Status \(parsed.status.name) without an SMSID")
        }
        let approval = ApprovalStatus(rawValue: parsed.approvalStatus.rawValue) ?? .unknown
        return RegistrationReply(
            smsID: poolSMSID,
            status: parsed.status,
            approvalStatus: approval,
            attempts: 1
        )
    }

    // MARK: One attempt

    private func attemptOnce(_ identity: Identity, key: _RSA.Signing.PrivateKey) async throws(RegistrationError) -> RegistrationReply {
        let message = try request(for: identity, key: key, now: Date())
        var clientTLS: HTTPClientTLS?
        if target.tls {
            do {
                let credentials = try BGBClientCredentials(
                    smsID: SMSID(identity.smsid.rawValue),
                    certificateDER: identity.certificateDER,
                    privateKeyDER: identity.privateKeyDER
                )
                clientTLS = HTTPClientTLS(context: try tls.makeContext(credentials: credentials), options: tls)
            } catch {
                throw .identity("TLS client certificate: \(error)")
            }
        }
        let endpoint = BGBConnector.Endpoint(
            address: address,
            hostname: target.host,
            connectTimeout: .nanoseconds(Int64(options.connectTimeout.nanosecondsClamped))
        )
        let eventLoop = group.next()
        let connection: HTTPClientConnection
        do {
            connection = try await HTTPClientConnection.connect(on: eventLoop, to: endpoint, tls: clientTLS, maximumBodySize: 4 << 20).get()
        } catch {
            throw .transport("\(error)")
        }
        let response: HTTPClientResponse
        do {
            response = try await withTaskCancellationHandler {
                try await connection.send(message, timeout: .nanoseconds(Int64(options.timeout.nanosecondsClamped))).get()
            } onCancel: {
                connection.close()
            }
        } catch {
            connection.close()
            if Task.isCancelled { throw .cancelled }
            throw .transport("\(error)")
        }
        connection.close()
        return try Self.reply(from: response)
    }

    static func signingKey(of identity: Identity) throws(RegistrationError) -> _RSA.Signing.PrivateKey {
        guard identity.keyType == .rsa2048 else { throw .unsupportedKey(identity.keyType) }
        do {
            return try _RSA.Signing.PrivateKey(derRepresentation: identity.privateKeyDER)
        } catch {
            throw .identity("the RSA private key does not parse: \(error)")
        }
    }

    /// A delay drawn uniformly from [delay/2, delay].
    static func jittered(_ delay: Duration) -> Duration {
        let nanoseconds = delay.nanosecondsClamped
        guard nanoseconds > 1 else { return delay }
        return .nanoseconds(Int64.random(in: nanoseconds / 2...nanoseconds))
    }
}

/// What the MP answered a registration.
public struct RegistrationReply: Sendable, Hashable {
    /// The SMSID the MP assigned.
    public var smsID: PoolSMSID
    /// Registered (0) or Pending (1).
    public var status: ClientRegistrationResponse.Status
    public var approvalStatus: ApprovalStatus
    /// Attempts it took (1 without retries).
    public var attempts: Int

    public init(smsID: PoolSMSID, status: ClientRegistrationResponse.Status, approvalStatus: ApprovalStatus, attempts: Int) {
        self.smsID = smsID
        self.status = status
        self.approvalStatus = approvalStatus
        self.attempts = attempts
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
