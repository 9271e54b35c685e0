import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A minimal client for the AdminService-shaped API (spec §9): the simulator's on loopback, or a
/// real SMS Provider's over HTTPS with bearer or basic credentials (``TriggerCredentials``).
///
/// One TLS context serves every request; the certificate is checked as ``AdminServiceTLS`` says
/// (the system store, a site CA, public-key pins, or not at all). Pinning is why this stays a small
/// hand-written NIO client rather than AsyncHTTPClient 1.37, which offers no verification callback
/// and no access to the peer certificate. Triggers are a handful of requests per run: one
/// connection per request (`Connection: close`) costs nothing that matters; answers are held in
/// memory up to ``maximumBodySize`` and a larger one fails the request (never truncated).
public struct AdminServiceClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// The `Location` header of a redirect.
        var location: String? = nil

        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }

    public let baseURL: String
    let host: String
    let port: Int
    let useTLS: Bool
    let basePath: String
    private(set) var authorization: String?
    let group: EventLoopGroup
    /// How the AdminService's certificate is checked, and the one context every request shares.
    private(set) var tls: AdminServiceTLS = .system
    private(set) var tlsContext: NIOSSLContext?

    /// The largest answer accepted; a larger one fails the request (never truncated).
    public static let maximumBodySize = 64 << 20

    public init(baseURL: String, credentials: TriggerCredentials?, tls: AdminServiceTLS = .system, group: EventLoopGroup) throws(FleetConfigurationError) {
        try self.init(baseURL: baseURL, group: group)
        self.authorization = credentials?.authorization
        self.tls = tls
        if useTLS {
            do {
                self.tlsContext = try tls.makeContext()
            } catch {
                throw .invalid(key: "trigger-url", value: baseURL, reason: "TLS cannot be set up: \(error)")
            }
        }
    }

    public init(baseURL: String, bearerToken: String? = nil, basicCredentials: String? = nil, group: EventLoopGroup) throws(
        FleetConfigurationError
    ) {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw .invalid(key: "trigger-url", value: baseURL, reason: "expected http://HOST[:PORT][/path] or https://…")
        }
        self.baseURL = baseURL
        self.host = host
        self.useTLS = scheme == "https"
        self.port = url.port ?? (useTLS ? 443 : 80)
        self.basePath = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        if let bearerToken {
            authorization = "Bearer \(bearerToken)"
        } else if let basicCredentials {
            authorization = "Basic \(Data(basicCredentials.utf8).base64EncodedString())"
        } else {
            authorization = nil
        }
        self.group = group
    }

    /// `POST /AdminService/wmi/SMS_ClientOperation.InitiateClientOperation[Ex]`; returns the OperationID.
    public func initiateClientOperation(type: Int, collectionID: String, resourceIDs: [UInt32], param: String?) async throws
        -> UInt32
    {
        var body: [String: Any] = ["Type": type, "TargetCollectionID": collectionID, "RandomizationWindow": 1]
        if !resourceIDs.isEmpty { body["TargetResourceIDs"] = resourceIDs.map { Int($0) } }
        let method = param == nil ? "InitiateClientOperation" : "InitiateClientOperationEx"
        if let param { body["Param"] = param }
        let response = try await request(
            method: .POST,
            path: "/AdminService/wmi/SMS_ClientOperation.\(method)",
            body: try JSONSerialization.data(withJSONObject: body)
        )
        guard response.status == 200 || response.status == 201 else {
            throw AdminServiceError.status(response.status, String(decoding: response.body, as: UTF8.self))
        }
        guard let object = response.json as? [String: Any], let id = object["OperationID"] as? Int else {
            throw AdminServiceError.malformed("no OperationID in \(String(decoding: response.body, as: UTF8.self))")
        }
        if let returnValue = object["ReturnValue"] as? Int, returnValue != 0 {
            throw AdminServiceError.returnValue(returnValue)
        }
        return UInt32(truncatingIfNeeded: id)
    }

    /// `GET /AdminService/wmi/SMS_ClientOperationStatus(ID)`: the first row of `value`.
    public func operationStatus(id: UInt32) async throws -> [String: Any] {
        let response = try await request(method: .GET, path: "/AdminService/wmi/SMS_ClientOperationStatus(\(id))", body: nil)
        guard response.status == 200 else {
            throw AdminServiceError.status(response.status, String(decoding: response.body, as: UTF8.self))
        }
        guard let object = response.json as? [String: Any], let rows = object["value"] as? [[String: Any]], let row = rows.first
        else { throw AdminServiceError.malformed("no value row") }
        return row
    }

    /// One request and its redirects.
    ///
    /// Redirects (301, 302, 303, 307, 308) are followed up to ``maximumRedirects`` times, to the
    /// same scheme, host and port only: the credentials never go to another server. 303 turns the
    /// request into a GET without body, as HTTP says.
    public func request(method: HTTPMethod, path: String, body: Data?) async throws -> Response {
        var method = method
        var uri = basePath + path
        var body = body
        for _ in 0...Self.maximumRedirects {
            let response = try await send(method: method, uri: uri, body: body)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.location else { return response }
            uri = try redirectTarget(location)
            if response.status == 303 {
                method = .GET
                body = nil
            }
        }
        throw AdminServiceError.redirects(Self.maximumRedirects)
    }

    /// Redirects followed per request.
    public static let maximumRedirects = 5

    /// The request URI of a redirect's `Location` (a path, or an absolute URL to this same server).
    func redirectTarget(_ location: String) throws -> String {
        if location.hasPrefix("/") { return location }
        guard let url = URL(string: location), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw AdminServiceError.malformed("redirect to '\(location)'")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        guard scheme == (useTLS ? "https" : "http"), host.lowercased() == self.host.lowercased(), port == self.port else {
            throw AdminServiceError.malformed("redirect to another server (\(location)): not followed, the credentials stay with \(baseURL)")
        }
        let query = url.query.map { "?" + $0 } ?? ""
        return (url.path.isEmpty ? "/" : url.path) + query
    }

    /// One request on its own connection (`Connection: close`).
    private func send(method: HTTPMethod, uri: String, body: Data?) async throws -> Response {
        let collector = ResponseCollector()
        let promise = group.next().makePromise(of: Response.self)
        collector.promise = promise
        let host = self.host
        let tls = self.tls
        var context = self.tlsContext
        if useTLS, context == nil { context = try tls.makeContext() }
        let tlsContext = context
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler(context: tlsContext, host: host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: host, port: port).get()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: port == (useTLS ? 443 : 80) ? host : "\(host):\(port)")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Connection", value: "close")
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(30)) {
            promise.fail(AdminServiceError.timeout)
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        return try await promise.futureResult.get()
    }
}

/// Collects one HTTP response.
final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    var promise: EventLoopPromise<AdminServiceClient.Response>?
    var status = 0
    var location: String?
    var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            location = head.headers.first(name: "Location")
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= AdminServiceClient.maximumBodySize else {
                promise?.fail(AdminServiceError.tooLarge(AdminServiceClient.maximumBodySize))
                promise = nil
                context.close(promise: nil)
                return
            }
            body += buffer.readableBytesView
        case .end:
            promise?.succeed(.init(status: status, body: body, location: location))
            promise = nil
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise?.fail(error)
        promise = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(AdminServiceError.closed)
        promise = nil
    }
}

/// Why a trigger request failed.
public enum AdminServiceError: Error, CustomStringConvertible, Sendable {
    case status(Int, String)
    case malformed(String)
    case returnValue(Int)
    case timeout
    case closed
    case tooLarge(Int)
    case redirects(Int)

    public var description: String {
        switch self {
        case .status(let status, let body): "AdminService answered HTTP \(status): \(body.prefix(200))"
        case .malformed(let reason): "AdminService answer is malformed: \(reason)"
        case .returnValue(let value): "AdminService ReturnValue \(value)"
        case .timeout: "AdminService did not answer within 30 s"
        case .closed: "AdminService closed the connection before answering"
        case .tooLarge(let limit): "AdminService answer is larger than \(limit >> 20) MiB"
        case .redirects(let count): "AdminService redirected more than \(count) times"
        }
    }
}
