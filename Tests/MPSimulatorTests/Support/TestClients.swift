import BGBProtocol
import CCMMessaging
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import X509
import _CryptoExtras

@testable import MPSimulator

/// A thread-safe queue with one waiter and a bounded wait.
final class Mailbox<Item: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Item] = []
    private var waiter: CheckedContinuation<Item?, Never>?
    private var waiterToken = 0

    func push(_ item: Item) {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume(returning: item)
        } else {
            items.append(item)
            lock.unlock()
        }
    }

    /// The next item, or nil after `timeout`.
    func next(timeout: Duration) async -> Item? {
        await withCheckedContinuation { continuation in
            lock.lock()
            if !items.isEmpty {
                let item = items.removeFirst()
                lock.unlock()
                continuation.resume(returning: item)
                return
            }
            waiterToken += 1
            let token = waiterToken
            waiter = continuation
            lock.unlock()
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(token)
            }
        }
    }

    private func expire(_ token: Int) {
        lock.lock()
        guard let waiter, waiterToken == token else {
            lock.unlock()
            return
        }
        self.waiter = nil
        lock.unlock()
        waiter.resume(returning: nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A client identity: SMSID, self-signed certificate, key.
struct TestIdentity: Sendable {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let smsID: SMSID
    let certificateDER: [UInt8]
    let key: Key
    let keyPEM: String

    /// A P-256 identity (cheap).
    static func p256(_ smsID: SMSID = .random()) throws -> TestIdentity {
        let key = P256.Signing.PrivateKey()
        let der = try selfSigned(publicKey: .init(key.publicKey), privateKey: .init(key), algorithm: .ecdsaWithSHA256)
        return TestIdentity(smsID: smsID, certificateDER: der, key: .p256(key), keyPEM: key.pemRepresentation)
    }

    /// One RSA-2048 key per test process (generation is slow), with a fresh SMSID per call.
    static let sharedRSAKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func rsa(_ smsID: SMSID = .random()) throws -> TestIdentity {
        let key = sharedRSAKey
        let der = try selfSigned(publicKey: .init(key.publicKey), privateKey: .init(key), algorithm: .sha256WithRSAEncryption)
        return TestIdentity(smsID: smsID, certificateDER: der, key: .rsa(key), keyPEM: key.pemRepresentation)
    }

    static func selfSigned(
        publicKey: Certificate.PublicKey,
        privateKey: Certificate.PrivateKey,
        algorithm: Certificate.SignatureAlgorithm
    ) throws -> [UInt8] {
        let name = try DistinguishedName { CommonName("ConfigMgr Client") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: algorithm,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: privateKey
        )
        let pem = try certificate.serializeAsPEM().pemString
        return try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem).toDERBytes()
    }

    /// A PayloadSignature over `payload` (RSA: the SDK's reversed SHA-256 PKCS#1; P-256: reversed raw ECDSA).
    func payloadSignature(_ payload: [UInt8]) throws -> String {
        switch key {
        case .rsa(let key):
            return try CCMMessagingSignature.payloadSignature(payload, key: key)
        case .p256(let key):
            let signature = try key.signature(for: SHA256.hash(data: payload))
            return Data(signature.rawRepresentation.reversed()).base64EncodedString()
        }
    }
}

enum CCMMessagingSignature {
    static func payloadSignature(_ payload: [UInt8], key: _RSA.Signing.PrivateKey) throws -> String {
        try ReversedSignature.payloadSignature(for: payload, with: key)
    }
}

/// What a TLS test client sees.
enum ClientEvent: Sendable {
    case frame(BGBFrame)
    case closed
    case error(String)
}

final class FrameCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = BGBFrame
    let mailbox: Mailbox<ClientEvent>

    init(mailbox: Mailbox<ClientEvent>) { self.mailbox = mailbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        mailbox.push(.frame(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        mailbox.push(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        mailbox.push(.error(String(describing: error)))
        context.close(promise: nil)
    }
}

/// A BGB client over TLS built from BGBProtocol and NIOSSL.
final class TestTCPClient: Sendable {
    let channel: Channel
    let identity: TestIdentity?
    private let mailbox: Mailbox<ClientEvent>
    private let closedBox = NIOLockedValueBox(false)

    private init(channel: Channel, identity: TestIdentity?, mailbox: Mailbox<ClientEvent>) {
        self.channel = channel
        self.identity = identity
        self.mailbox = mailbox
    }

    static func connect(
        to address: SocketAddress,
        identity: TestIdentity?,
        minimumTLS: TLSVersion = .tlsv12,
        maximumTLS: TLSVersion = .tlsv13,
        cipherSuites: String? = nil,
        receiveBufferSize: Int? = nil
    ) async throws -> TestTCPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        tls.minimumTLSVersion = minimumTLS
        tls.maximumTLSVersion = maximumTLS
        if let cipherSuites { tls.cipherSuites = cipherSuites }
        if let identity {
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: identity.certificateDER, format: .der))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem))
        }
        let context = try NIOSSLContext(configuration: tls)
        let mailbox = Mailbox<ClientEvent>()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(5))
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap
            .channelInitializer { channel in
                do {
                    try channel.pipeline.syncOperations.addHandlers(
                        try NIOSSLClientHandler(context: context, serverHostname: nil),
                        ByteToMessageHandler(BGBFrameDecoder(configuration: .tolerant)),
                        FrameCollector(mailbox: mailbox)
                    )
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(to: address).get()
        return TestTCPClient(channel: channel, identity: identity, mailbox: mailbox)
    }

    func send(_ message: BGBMessage) async throws {
        var buffer = ByteBuffer()
        message.writeTCPFrame(into: &buffer)
        try await channel.writeAndFlush(buffer)
    }

    func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// The next event within `timeout` (nil when nothing came).
    func nextEvent(timeout: Duration = .seconds(5)) async -> ClientEvent? {
        if closedBox.withLockedValue({ $0 }) { return .closed }
        let event = await mailbox.next(timeout: timeout)
        if case .closed = event { closedBox.withLockedValue { $0 = true } }
        return event
    }

    /// The next frame, failing on close, error or timeout.
    func nextFrame(timeout: Duration = .seconds(5)) async throws -> BGBFrame {
        switch await nextEvent(timeout: timeout) {
        case .frame(let frame): return frame
        case .closed: throw TestFailure("connection closed while waiting for a frame")
        case .error(let error): throw TestFailure("error while waiting for a frame: \(error)")
        case nil: throw TestFailure("no frame within \(timeout)")
        }
    }

    func nextMessage(timeout: Duration = .seconds(5)) async throws -> BGBMessage {
        try BGBMessage(frame: try await nextFrame(timeout: timeout))
    }

    /// Waits for the server to close the connection; true if it did within `timeout`.
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            switch await nextEvent(timeout: deadline - ContinuousClock.now) {
            case .closed: return true
            case .error, .frame: continue
            case nil: return false
            }
        }
        return false
    }

    /// SignIn as `smsID` (default: the identity's) and wait for the SignInConfirm.
    @discardableResult
    func signIn(as smsID: SMSID? = nil, timeout: Duration = .seconds(5)) async throws -> BGBSignInConfirm {
        guard let smsID = smsID ?? identity?.smsID else { throw TestFailure("no SMSID to sign in with") }
        try await send(.signIn(BGBSignIn(timeStamp: .now(.utcTrimmedFraction), clientID: smsID)))
        guard case .signInConfirm(let confirm) = try await nextMessage(timeout: timeout) else {
            throw TestFailure("expected SignInConfirm")
        }
        return confirm
    }

    func keepAlive(as smsID: SMSID? = nil) async throws {
        guard let smsID = smsID ?? identity?.smsID else { throw TestFailure("no SMSID") }
        try await send(.keepAlive(BGBKeepAlive(timeStamp: .now(.utcTrimmedFraction), clientID: smsID)))
    }

    /// Waits for a Request and answers it with `returnCode`.
    @discardableResult
    func answerPush(returnCode: Int32 = 1, timeout: Duration = .seconds(5)) async throws -> BGBRequest {
        guard case .request(let request) = try await nextMessage(timeout: timeout) else {
            throw TestFailure("expected a Request")
        }
        let response = BGBResponse(
            answering: request,
            timeStamp: .now(.localTrimmedFraction(offsetMinutes: 60)),
            returnCode: ReturnCode(rawValue: returnCode)
        )
        try await send(.response(response))
        return request
    }

    func close() async {
        try? await channel.close()
    }
}

/// A plain-TCP HTTP/1.1 client that reads raw answers (including `100 Continue`).
final class TestHTTPClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var reason: String
        var headers: [(String, String)]
        var body: ByteBuffer
        /// Whether an interim `100 Continue` preceded it.
        var sawContinue: Bool

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    final class ByteCollector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let mailbox: Mailbox<ByteBuffer?>

        init(mailbox: Mailbox<ByteBuffer?>) { self.mailbox = mailbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            mailbox.push(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            mailbox.push(nil)
            context.fireChannelInactive()
        }
    }

    let channel: Channel
    private let mailbox: Mailbox<ByteBuffer?>
    private let pending = NIOLockedValueBox(ByteBuffer())
    private let closed = NIOLockedValueBox(false)

    private init(channel: Channel, mailbox: Mailbox<ByteBuffer?>) {
        self.channel = channel
        self.mailbox = mailbox
    }

    /// Connects over plain TCP, or TLS (certificate not checked) with `tls`.
    static func connect(to address: SocketAddress, tls: Bool = false) async throws -> TestHTTPClient {
        let mailbox = Mailbox<ByteBuffer?>()
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = tls ? try NIOSSLContext(configuration: configuration) : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteCollector(mailbox: mailbox))
                }
            }
            .connect(to: address).get()
        return TestHTTPClient(channel: channel, mailbox: mailbox)
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    func send(_ message: HTTPMessage) async throws {
        try await send(message.bytes)
    }

    /// Reads one final response (skipping `100 Continue`) within `timeout`.
    func readResponse(timeout: Duration = .seconds(5)) async throws -> Response {
        let deadline = ContinuousClock.now + timeout
        var sawContinue = false
        while true {
            if let response = try parse() {
                if response.status == 100 {
                    sawContinue = true
                    continue
                }
                var final = response
                final.sawContinue = sawContinue
                return final
            }
            if closed.withLockedValue({ $0 }) { throw TestFailure("connection closed before a complete response") }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw TestFailure("no complete response within \(timeout)") }
            switch await mailbox.next(timeout: remaining) {
            case .some(.some(var chunk)):
                _ = pending.withLockedValue { $0.writeBuffer(&chunk) }
            case .some(.none):
                closed.withLockedValue { $0 = true }
            case .none:
                throw TestFailure("no complete response within \(timeout)")
            }
        }
    }

    /// True if no final answer (anything but `100 Continue`) arrives for `duration`: the request is held.
    func isSilent(for duration: Duration) async -> Bool {
        let deadline = ContinuousClock.now + duration
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { break }
            switch await mailbox.next(timeout: remaining) {
            case .some(.some(var chunk)):
                _ = pending.withLockedValue { $0.writeBuffer(&chunk) }
            case .some(.none):
                closed.withLockedValue { $0 = true }
                return false
            case .none:
                break
            }
        }
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        return pending.withLockedValue { buffer in
            var view = Array(buffer.readableBytesView)
            while view.starts(with: interim) { view.removeFirst(interim.count) }
            return view.isEmpty
        }
    }

    /// Waits until the server closes the connection.
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !closed.withLockedValue({ $0 }) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return false }
            switch await mailbox.next(timeout: remaining) {
            case .some(.some): continue
            case .some(.none): closed.withLockedValue { $0 = true }
            case .none: return false
            }
        }
        return true
    }

    private func parse() throws -> Response? {
        try pending.withLockedValue { buffer -> Response? in
            let view = buffer.readableBytesView
            guard let headEnd = HTTPRequestDecoder.headEnd(in: buffer, limit: 65_536) else { return nil }
            let head = String(decoding: view.prefix(headEnd), as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            guard let statusLine = lines.first else { throw TestFailure("empty response head") }
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("bad status line \(statusLine)") }
            var headers: [(String, String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            guard buffer.readableBytes >= headEnd + length else { return nil }
            buffer.moveReaderIndex(forwardBy: headEnd)
            let body = buffer.readSlice(length: length)!
            buffer.discardReadBytes()
            return Response(
                status: status,
                reason: parts.count > 2 ? String(parts[2]) : "",
                headers: headers,
                body: body,
                sawContinue: false
            )
        }
    }

    func close() async {
        try? await channel.close()
    }
}

/// The admin API over HTTP/1.1 with JSON.
struct AdminClient: Sendable {
    let address: SocketAddress
    var token: String?

    func request(_ method: String, _ path: String, json: Any? = nil) async throws -> (status: Int, json: Any?) {
        let client = try await TestHTTPClient.connect(to: address)
        defer { Task { await client.close() } }
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        if json != nil { head += "Content-Type: application/json\r\n" }
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "\r\n"
        var buffer = ByteBuffer(string: head)
        buffer.writeBytes(body)
        try await client.send(buffer)
        let response = try await client.readResponse()
        let object = response.body.readableBytes == 0
            ? nil : try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        return (response.status, object)
    }

    func post(_ path: String, _ json: Any) async throws -> (status: Int, json: [String: Any]) {
        let (status, object) = try await request("POST", path, json: json)
        return (status, object as? [String: Any] ?? [:])
    }

    func get(_ path: String) async throws -> (status: Int, json: [String: Any]) {
        let (status, object) = try await request("GET", path)
        return (status, object as? [String: Any] ?? [:])
    }
}
