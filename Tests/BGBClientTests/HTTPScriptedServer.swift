import BGBProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback HTTP/1.1 server whose answers a test scripts: each request (framed by
/// `Content-Length`) goes to `script`, which answers it or holds it; held requests are answered
/// later with ``answerHeld(_:)``. Requests with `Expect: 100-continue` get an interim
/// `100 Continue` first, as IIS and the simulator send.
final class HTTPScriptedServer: Sendable {
    enum Answer: Sendable {
        case respond(HTTPMessage)
        case hold
    }

    private struct State {
        var requests: [HTTPMessage] = []
        var held: [Channel] = []
    }

    private let state = NIOLockedValueBox(State())
    private let script: @Sendable (HTTPMessage, Int) -> Answer
    private(set) nonisolated(unsafe) var channel: Channel!

    private init(script: @escaping @Sendable (HTTPMessage, Int) -> Answer) {
        self.script = script
    }

    /// Starts on 127.0.0.1, an ephemeral port; `script` gets each request and its 0-based number.
    static func start(script: @escaping @Sendable (HTTPMessage, Int) -> Answer) async throws -> HTTPScriptedServer {
        let server = HTTPScriptedServer(script: script)
        server.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return server
    }

    var address: SocketAddress { channel.localAddress! }

    /// Every request so far, in arrival order.
    var requests: [HTTPMessage] { state.withLockedValue { $0.requests } }

    /// Requests whose target has this `RequestType`.
    func count(_ type: BGBHTTPRequestType) -> Int {
        requests.filter { $0.target.flatMap(BGBHTTPRequestType.init(target:)) == type }.count
    }

    /// Answers every held request with `message`.
    func answerHeld(_ message: HTTPMessage) {
        let held = state.withLockedValue { state in
            defer { state.held.removeAll() }
            return state.held
        }
        for channel in held { channel.writeAndFlush(message.bytes, promise: nil) }
    }

    func shutdown() async {
        try? await channel.close()
    }

    fileprivate func received(_ request: HTTPMessage, on channel: Channel) {
        let number = state.withLockedValue { state in
            state.requests.append(request)
            return state.requests.count - 1
        }
        if request.header("Expect")?.lowercased() == "100-continue" {
            channel.write(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n"), promise: nil)
        }
        switch script(request, number) {
        case .respond(let message):
            channel.writeAndFlush(message.bytes, promise: nil)
            if message.header("Connection")?.lowercased() == "close" { channel.close(promise: nil) }
        case .hold:
            channel.flush()
            state.withLockedValue { $0.held.append(channel) }
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let server: HTTPScriptedServer
        var buffer = ByteBuffer()

        init(server: HTTPScriptedServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
            while let request = nextRequest() {
                server.received(request, on: context.channel)
            }
        }

        /// One whole request off the buffer, or nil until it has arrived.
        func nextRequest() -> HTTPMessage? {
            let view = buffer.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
            let head = String(decoding: view[view.startIndex..<end.upperBound], as: UTF8.self)
            let length = head.split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: " ")) } ?? 0
            let total = end.upperBound - view.startIndex + length
            guard buffer.readableBytes >= total else { return nil }
            return try? HTTPMessage(parsing: buffer.readSlice(length: total)!)
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var slice = self
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}
