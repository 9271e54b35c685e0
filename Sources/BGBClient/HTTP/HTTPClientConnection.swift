import BGBProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// TLS for an HTTPS connection: the context (client certificate) and the generator's TLS options.
public struct HTTPClientTLS: Sendable {
    public var context: NIOSSLContext
    public var options: BGBTLSOptions

    public init(context: NIOSSLContext, options: BGBTLSOptions) {
        self.context = context
        self.options = options
    }
}

/// One HTTP/1.1 client connection (plain or TLS) of the generator: requests are written as exact
/// bytes (``HTTPMessage``), answers decoded by ``HTTPClientResponseDecoder`` and matched to their
/// requests in order. Keep-alive: the connection stays open until a request or answer says
/// `Connection: close`, a request times out, or either side closes it.
///
/// Used by the BGB long-poll session (``BGBHTTPSession``) and by registration. Thread-safe: every
/// method may be called from any thread; answers complete on the connection's event loop.
public struct HTTPClientConnection: Sendable {
    public let channel: Channel
    /// The first error that brought the connection down (a refused server certificate, a
    /// timeout…): a request written after the close fails with it, not with "I/O on closed
    /// channel". Touched on the channel's event loop only.
    let failure: NIOLoopBoundBox<(any Error)?>

    init(channel: Channel, failure: NIOLoopBoundBox<(any Error)?>) {
        self.channel = channel
        self.failure = failure
    }

    /// Connects on `eventLoop` (TCP, then TLS when `tls` is given: the handshake runs with the
    /// first request). Fails with the connect error (`NIOConnectionError`, `ChannelError.connectTimeout`…).
    public static func connect(
        on eventLoop: EventLoop,
        to endpoint: BGBConnector.Endpoint,
        tls: HTTPClientTLS? = nil,
        maximumHeadSize: Int = 16 * 1024,
        maximumBodySize: Int = 1 << 20
    ) -> EventLoopFuture<HTTPClientConnection> {
        let failure = NIOLoopBoundBox.makeEmptyBox(valueType: (any Error).self, eventLoop: eventLoop)
        return endpoint.connect(on: eventLoop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                if let tls {
                    try sync.addHandlers(tls.options.makeHandlers(context: tls.context, serverHostname: endpoint.hostname))
                }
                try sync.addHandler(
                    ByteToMessageHandler(
                        HTTPClientResponseDecoder(maximumHeadSize: maximumHeadSize, maximumBodySize: maximumBodySize)
                    )
                )
                try sync.addHandler(HTTPClientRequestHandler(failure: failure))
            }
        }.map { HTTPClientConnection(channel: $0, failure: failure) }
    }

    /// Writes a request and returns its answer.
    ///
    /// - Parameters:
    ///   - request: the whole request, head and body, exactly as it goes on the wire.
    ///   - closeAfter: the request says `Connection: close`: the connection closes after the answer.
    ///   - timeout: fail with ``HTTPClientError/timeout(seconds:)`` and close the connection when no
    ///     answer is complete by then (nil: wait as long as the connection lives).
    ///   - written: completed when the request has been flushed to the socket.
    public func send(
        _ request: ByteBuffer,
        closeAfter: Bool = false,
        timeout: TimeAmount? = nil,
        written: EventLoopPromise<Void>? = nil
    ) -> EventLoopFuture<HTTPClientResponse> {
        let response = channel.eventLoop.makePromise(of: HTTPClientResponse.self)
        let outbound = HTTPClientRequestHandler.Request(
            bytes: request,
            closeAfter: closeAfter,
            timeout: timeout,
            response: response
        )
        let writePromise = channel.eventLoop.makePromise(of: Void.self)
        let failure = self.failure
        writePromise.futureResult.whenComplete { result in
            // A write that never reached the handler (closed channel) still fails the answer, with
            // what closed the connection when that is known.
            if case .failure(let error) = result { response.fail(failure.value ?? error) }
            written?.completeWith(result)
        }
        channel.writeAndFlush(outbound, promise: writePromise)
        return response.futureResult
    }

    /// Writes `message` (its `Connection: close` header, if any, closes the connection after the answer).
    public func send(
        _ message: HTTPMessage,
        timeout: TimeAmount? = nil,
        written: EventLoopPromise<Void>? = nil
    ) -> EventLoopFuture<HTTPClientResponse> {
        var buffer = channel.allocator.buffer(capacity: 256 + message.body.readableBytes)
        message.write(into: &buffer)
        return send(
            buffer,
            closeAfter: message.header("Connection")?.lowercased() == "close",
            timeout: timeout,
            written: written
        )
    }

    /// Closes the connection; outstanding requests fail with ``HTTPClientError/connectionClosed``.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.close(promise: promise)
        // Closing an already closed channel is not an error here.
        return promise.futureResult.flatMapErrorThrowing { error in
            if let error = error as? ChannelError, error == .alreadyClosed { return }
            throw error
        }
    }

    /// Completed when the connection has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}

/// Matches answers to requests, in order, and runs the request timeouts.
final class HTTPClientRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponse
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    struct Request: Sendable {
        var bytes: ByteBuffer
        var closeAfter: Bool
        var timeout: TimeAmount?
        var response: EventLoopPromise<HTTPClientResponse>
    }

    private struct Pending {
        var response: EventLoopPromise<HTTPClientResponse>
        var closeAfter: Bool
        var timer: Scheduled<Void>?
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 2)
    /// Set once the connection is going away: later writes fail at once.
    private var failure: Error?
    /// The first error, kept for writes that arrive after this handler is gone (``HTTPClientConnection/failure``).
    private let firstError: NIOLoopBoundBox<(any Error)?>

    init(failure: NIOLoopBoundBox<(any Error)?>) {
        self.firstError = failure
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.response.fail(failure)
            promise?.fail(failure)
            return
        }
        var timer: Scheduled<Void>?
        if let timeout = request.timeout {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                fail(HTTPClientError.timeout(seconds: timeout.nanoseconds / 1_000_000_000), context: context)
            }
        }
        pending.append(Pending(response: request.response, closeAfter: request.closeAfter, timer: timer))
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = unwrapInboundIn(data)
        guard let first = pending.popFirst() else {
            fail(HTTPClientError.unsolicitedResponse(status: response.status), context: context)
            return
        }
        first.timer?.cancel()
        let closing = first.closeAfter || !response.keepAlive
        if closing, failure == nil { failure = HTTPClientError.connectionClosed }
        first.response.succeed(response)
        if closing {
            failPending(HTTPClientError.connectionClosed)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if failure == nil { failure = HTTPClientError.connectionClosed }
        failPending(HTTPClientError.connectionClosed)
        context.fireChannelInactive()
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        if firstError.value == nil { firstError.value = error }
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: Error) {
        while let request = pending.popFirst() {
            request.timer?.cancel()
            request.response.fail(error)
        }
    }
}
