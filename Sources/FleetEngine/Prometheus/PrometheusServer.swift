import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` from a ``PrometheusExporter`` on `--prometheus ADDR:PORT`.
public final class PrometheusServer: Sendable {
    let channel: Channel

    /// The bound address (an ephemeral port is resolved).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `host:port` and starts serving.
    public static func start(host: String, port: Int, exporter: PrometheusExporter, group: EventLoopGroup) async throws
        -> PrometheusServer
    {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(exporter: exporter))
                }
            }
            .bind(host: host, port: port).get()
        return PrometheusServer(channel: channel)
    }

    init(channel: Channel) {
        self.channel = channel
    }

    public func shutdown() async {
        try? await channel.close()
    }

    /// Parses `ADDR:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `:9464` for all interfaces).
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// Answers `GET /metrics` (anything else: 404).
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let exporter: PrometheusExporter
    var path: String?
    var keepAlive = true

    init(exporter: PrometheusExporter) {
        self.exporter = exporter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri.split(separator: "?").first.map(String.init)
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let found = path == "/metrics"
            let body = found ? exporter.render() : Array("not found: try /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let keepAlive = self.keepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }
}
