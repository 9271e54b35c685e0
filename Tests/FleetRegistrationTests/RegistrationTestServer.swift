import BGBProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback HTTP endpoint whose answer to the n-th request (0-based) a test scripts; one
/// request per connection, closed after the answer (as registration uses `Connection: close`).
final class RegistrationTestServer: Sendable {
    private let received = NIOLockedValueBox<[HTTPMessage]>([])
    private let answer: @Sendable (HTTPMessage, Int) -> ByteBuffer
    private let channel: NIOLockedValueBox<Channel?> = NIOLockedValueBox(nil)

    private init(answer: @escaping @Sendable (HTTPMessage, Int) -> ByteBuffer) {
        self.answer = answer
    }

    static func start(answer: @escaping @Sendable (HTTPMessage, Int) -> ByteBuffer) async throws -> RegistrationTestServer {
        let server = RegistrationTestServer(answer: answer)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.channel.withLockedValue { $0 = channel }
        return server
    }

    var port: Int { channel.withLockedValue { $0?.localAddress?.port ?? 0 } }
    var requests: [HTTPMessage] { received.withLockedValue { $0 } }

    func shutdown() async {
        try? await channel.withLockedValue { $0 }?.close()
    }

    fileprivate func handle(_ request: HTTPMessage) -> ByteBuffer {
        let number = received.withLockedValue { requests in
            requests.append(request)
            return requests.count - 1
        }
        return answer(request, number)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let server: RegistrationTestServer
        var buffer = ByteBuffer()

        init(server: RegistrationTestServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
            guard let request = try? HTTPMessage(parsing: buffer) else { return }
            buffer.clear()
            let channel = context.channel
            context.writeAndFlush(NIOAny(server.handle(request))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
