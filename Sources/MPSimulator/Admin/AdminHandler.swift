import Foundation
import NIOCore
import NIOHTTP1

/// A JSON answer of the admin API.
struct AdminResponse: Sendable {
    var status: HTTPResponseStatus
    var json: Data

    init(_ status: HTTPResponseStatus, _ object: Any) {
        self.status = status
        self.json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// An OData-style error body: `{"error":{"code":"404","message":"…"}}`.
    static func error(_ status: HTTPResponseStatus, _ message: String) -> AdminResponse {
        AdminResponse(status, ["error": ["code": String(status.code), "message": message]])
    }
}

/// The admin listener's handler: aggregates a request (≤ 4 MiB), routes it, writes JSON.
final class AdminHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maximumBody = 4 << 20

    private let router: AdminRouter
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false

    init(simulator: MPSimulator) {
        self.router = AdminRouter(simulator: simulator)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            tooLarge = false
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > Self.maximumBody {
                tooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if tooLarge {
                write(.error(.payloadTooLarge, "the request body exceeds \(Self.maximumBody) bytes"), head: head, keepAlive: false, context: context)
                return
            }
            switch router.route(head: head, body: body) {
            case .now(let response):
                write(response, head: head, keepAlive: keepAlive, context: context)
            case .later(let operation):
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let future = context.eventLoop.makeFutureWithTask { await operation() }
                future.whenSuccess { response in
                    let (handler, context) = bound.value
                    handler.write(response, head: head, keepAlive: keepAlive, context: context)
                }
            }
        }
    }

    private func write(_ response: AdminResponse, head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(response.json.count))
        if response.status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.json)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
