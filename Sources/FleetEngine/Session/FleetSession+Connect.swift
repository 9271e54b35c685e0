import BGBClient
import BGBProtocol
import FleetMetrics
import NIOCore

extension FleetSession {
    /// The protocol session's settings for one attempt; the keep-alive phase is drawn per attempt.
    private func sessionConfiguration(smsID: SMSID) -> BGBSessionConfiguration {
        BGBSessionConfiguration(
            smsID: smsID,
            clientVersion: shared.clientVersion,
            keepAliveIntervalNanoseconds: shared.keepAliveInterval,
            keepAlivePhaseNanoseconds: shared.keepAliveSpread ? UInt64.random(in: 0..<shared.keepAliveInterval, using: &random) : 0,
            // Strict: a SignIn the MP never confirms is a failed sign-in and a reconnect, never a
            // session counted as signed in (the SDK's lenient behaviour hides a broken MP).
            signInTimeoutNanoseconds: shared.signInTimeout,
            strictSignIn: true,
            timestamps: shared.timestamps
        )
    }

    /// Where to connect, from this session's source address.
    private func endpoint(address: SocketAddress) -> BGBConnector.Endpoint {
        BGBConnector.Endpoint(
            address: address,
            hostname: shared.target.host,
            sourceAddress: entry.sourceAddress.flatMap { try? SocketAddress(ipAddress: $0, port: 0) }
        )
    }

    /// Connects over TCP + TLS; the outcome comes back as `tcpConnected` or `tcpConnectFailed`,
    /// and the end of the connection through the delegate (`closed`).
    func connectTCP() {
        let smsID: SMSID
        let tls: BGBConnectionTLS
        do {
            if let leanTLS = shared.leanTLS {
                let identity = try shared.identities.rawCredentials(for: entry.identityIndex)
                smsID = identity.smsID
                tls = .lean(leanTLS, certificateDER: identity.certificateDER, privateKeyDER: identity.privateKeyDER)
            } else {
                let identity = try shared.identities.credentials(for: entry.identityIndex)
                smsID = identity.smsID
                tls = .nioSSL(try shared.tls.makeContext(credentials: identity), shared.tls)
            }
            self.smsID = smsID
        } catch {
            shared.log("session \(index): cannot load identity \(entry.identityIndex): \(error)")
            handle(.cannotConnect)
            return
        }
        let configuration = sessionConfiguration(smsID: smsID)
        let endpoint = endpoint(address: shared.target.tcpAddress)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let handlerBox = NIOLoopBound(BoxedHandler(), eventLoop: eventLoop)
        let keepAliveTimers = NIOLoopBound(keepAliveTimers, eventLoop: eventLoop)
        BGBConnector.connect(on: eventLoop, to: endpoint, tls: tls) {
            let handler = BGBClientChannelHandler(
                configuration: configuration,
                delegate: loopBound.value,
                keepAliveTimers: keepAliveTimers.value
            )
            handlerBox.value.handler = handler
            return handler
        }.assumeIsolated().whenComplete { result in
            let session = loopBound.value
            switch result {
            case .success(let channel):
                session.channel = channel
                session.handler = handlerBox.value.handler
                session.tcpConnectedAt = NIODeadline.now().uptimeNanoseconds
                session.shared.metrics.record(.tcp, nanoseconds: session.tcpConnectedAt &- session.attemptStartedAt)
                session.handle(.tcpConnected)
            case .failure(let error):
                session.handle(.tcpConnectFailed(FailureReason(connectError: error)))
            }
        }
    }

    /// Starts an HTTP long-poll session; its first connection comes back as `httpConnected` or
    /// `httpConnectFailed`, its end through the delegate (`closed`).
    func connectHTTP() {
        guard let httpAddress = shared.target.httpAddress else {
            shared.log("session \(index): transport http, but the MP's HTTP port is not known")
            handle(.cannotConnect)
            return
        }
        let credentials: BGBClientCredentials
        let signer: BGBPayloadSigner
        var tls: HTTPClientTLS?
        do {
            credentials = try shared.identities.credentials(for: entry.identityIndex)
            smsID = credentials.smsID
            signer = try shared.identities.payloadSigner(for: entry.identityIndex)
            if shared.target.httpTLS {
                tls = HTTPClientTLS(context: try shared.tls.makeContext(credentials: credentials), options: shared.tls)
            }
        } catch {
            shared.log("session \(index): cannot load identity \(entry.identityIndex) for HTTP: \(error)")
            handle(.cannotConnect)
            return
        }
        let session = BGBHTTPSession(
            configuration: sessionConfiguration(smsID: credentials.smsID),
            http: shared.http,
            signer: signer,
            endpoint: endpoint(address: httpAddress),
            tls: tls,
            eventLoop: eventLoop,
            delegate: self
        )
        httpSession = session
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        session.start().assumeIsolated().whenComplete { result in
            let fleetSession = loopBound.value
            switch result {
            case .success:
                fleetSession.tcpConnectedAt = NIODeadline.now().uptimeNanoseconds
                fleetSession.shared.metrics.record(.tcp, nanoseconds: fleetSession.tcpConnectedAt &- fleetSession.attemptStartedAt)
                fleetSession.handle(.httpConnected)
            case .failure(let error):
                guard fleetSession.httpSession === session else { return }
                fleetSession.httpSession = nil
                fleetSession.handle(.httpConnectFailed(FailureReason(connectError: error)))
            }
        }
    }
}

/// Carries the handler out of the channel initializer (both run on the same loop).
final class BoxedHandler {
    var handler: BGBClientChannelHandler?
}
