import BGBProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// One client-notification session over TCP + TLS, usable on its own: the Swift counterpart of the
/// SDK's `ConfigMgrBgbSession`.
///
/// ```swift
/// let client = try await BGBClient.connect(host: "mp.contoso.com", credentials: credentials)
/// for await push in client.pushes {
///     print("push \(push.pushID) task type \(push.taskType)")
///     try await client.respond(to: push, returnCode: .success)
/// }
/// ```
public final class BGBClient: Sendable {
    /// The pushes (Requests) the MP sends, in order. Ends when the session closes.
    public let pushes: AsyncStream<BGBRequest>
    /// The channel the session runs on.
    public let channel: Channel
    private let closed: EventLoopFuture<BGBCloseReason>

    init(channel: Channel, pushes: AsyncStream<BGBRequest>, closed: EventLoopFuture<BGBCloseReason>) {
        self.channel = channel
        self.pushes = pushes
        self.closed = closed
    }

    /// Connects, completes TLS with the identity's certificate, sends SignIn and returns once the
    /// session is signed in (SignInConfirm arrived, or the wait ended in lenient mode).
    ///
    /// One session runs on NIOSSL whatever `tls.engine` says: the lean engine pays off for fleets
    /// (one shared `SSL_CTX`, ~10 KiB per session), and `credentials` are already parsed for NIOSSL.
    public static func connect(
        host: String,
        port: Int = 10123,
        credentials: BGBClientCredentials,
        tls: BGBTLSOptions = BGBTLSOptions(),
        keepAliveInterval: TimeAmount = .minutes(15),
        clientVersion: ClientVersion = .sdkDefault,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> BGBClient {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let sslContext = try tls.makeContext(credentials: credentials)
        let eventLoop = group.next()
        let configuration = BGBSessionConfiguration(
            smsID: credentials.smsID,
            clientVersion: clientVersion,
            keepAliveIntervalNanoseconds: UInt64(keepAliveInterval.nanoseconds),
            timestamps: .sdkLocal()
        )
        let (stream, continuation) = AsyncStream.makeStream(of: BGBRequest.self)
        let signedIn = eventLoop.makePromise(of: Void.self)
        let closed = eventLoop.makePromise(of: BGBCloseReason.self)
        let channel = try await BGBConnector.connect(
            on: eventLoop,
            to: .init(address: address, hostname: host),
            tls: .nioSSL(sslContext, tls)
        ) {
            let adapter = BGBClientStreamAdapter(continuation: continuation, signedIn: signedIn, closed: closed)
            return BGBClientChannelHandler(configuration: configuration, delegate: adapter)
        }.get()
        do {
            try await signedIn.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return BGBClient(channel: channel, pushes: stream, closed: closed.futureResult)
    }

    /// Sends the Response to a push, echoing its PushID and TaskID.
    public func respond(to request: BGBRequest, returnCode: ReturnCode = .success) async throws {
        try await channel.eventLoop.submit {
            try self.channel.pipeline.syncOperations.handler(type: BGBClientChannelHandler.self)
                .respond(to: request, returnCode: returnCode)
        }.get()
    }

    /// Closes the session (TLS close, as the SDK) and returns why it ended.
    @discardableResult
    public func close() async -> BGBCloseReason {
        _ = try? await channel.eventLoop.submit {
            try self.channel.pipeline.syncOperations.handler(type: BGBClientChannelHandler.self).close()
        }.get()
        return (try? await closed.get()) ?? .local
    }

    /// Waits until the session ends and returns why.
    public func closeReason() async -> BGBCloseReason {
        (try? await closed.get()) ?? .local
    }
}

/// Turns session events into the AsyncStream and futures of ``BGBClient``.
final class BGBClientStreamAdapter: BGBSessionDelegate {
    let continuation: AsyncStream<BGBRequest>.Continuation
    let signedIn: EventLoopPromise<Void>
    let closed: EventLoopPromise<BGBCloseReason>
    var isSignedIn = false

    init(
        continuation: AsyncStream<BGBRequest>.Continuation,
        signedIn: EventLoopPromise<Void>,
        closed: EventLoopPromise<BGBCloseReason>
    ) {
        self.continuation = continuation
        self.signedIn = signedIn
        self.closed = closed
    }

    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds: UInt64) {}

    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds: UInt64) {
        isSignedIn = true
        signedIn.succeed(())
    }

    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds: UInt64) {
        continuation.yield(request)
    }

    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds: UInt64) {}
    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) {}
    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) {}
    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) {}

    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) {
        if !isSignedIn { signedIn.fail(BGBClientError.closedBeforeSignIn(reason)) }
        continuation.finish()
        closed.succeed(reason)
    }
}

/// Why ``BGBClient/connect(host:port:credentials:tls:keepAliveInterval:clientVersion:group:)`` failed.
public enum BGBClientError: Error, Hashable, Sendable, CustomStringConvertible {
    case closedBeforeSignIn(BGBCloseReason)

    public var description: String {
        switch self {
        case .closedBeforeSignIn(let reason): "the session closed before signing in: \(reason)"
        }
    }
}
