import BGBClient
import FleetEngine
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TestSupport
import Testing
import X509

/// Answers every request with `{"OperationID": 7, "ReturnValue": 0}`; a request to `/old/…` is
/// redirected (307) to `/AdminService/…`, one to `/away/…` to another server.
final class FixedAdminHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    var uri = ""
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { uri = head.uri }
        guard case .end = unwrapInboundIn(data) else { return }
        if uri.hasPrefix("/old/") || uri.hasPrefix("/away/") {
            var headers = HTTPHeaders()
            let target = uri.hasPrefix("/old/") ? "/AdminService/" + uri.dropFirst("/old/".count) : "https://elsewhere.invalid/x"
            headers.add(name: "Location", value: target)
            headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .temporaryRedirect, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let body = ByteBuffer(string: #"{"OperationID": 7, "ReturnValue": 0}"#)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

@Suite("AdminService over HTTPS: CA, pin, insecure")
struct AdminServiceTLSTests {
    func startServer(_ pki: LabPKI) async throws -> (Channel, [UInt8]) {
        let server = try pki.serverFiles()
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(server.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: server.key, format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(FixedAdminHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, server.der)
    }

    func fire(_ url: String, _ tls: AdminServiceTLS) async throws -> UInt32 {
        let client = try AdminServiceClient(baseURL: url, credentials: nil, tls: tls, group: MultiThreadedEventLoopGroup.singleton)
        return try await client.initiateClientOperation(type: 8, collectionID: "SMS00001", resourceIDs: [], param: nil)
    }

    @Test("the site CA and the right pin are accepted; another CA, another pin and the system store refuse the lab certificate; insecure accepts")
    func trust() async throws {
        let pki = try LabPKI()
        defer { pki.remove() }
        let other = try LabPKI(name: "another CA")
        defer { other.remove() }
        let (server, der) = try await startServer(pki)
        defer { try? server.close().wait() }
        let url = "https://127.0.0.1:\(server.localAddress!.port!)/AdminService"

        #expect(try await fire(url, .verified(BGBServerTrust(roots: BGBTrustRoots(pemFile: pki.caFile())))) == 7)
        #expect(try await fire(url, .verified(BGBServerTrust(pins: [BGBPublicKeyPin(certificateDER: der)]))) == 7)
        #expect(try await fire(url, .insecure) == 7)
        await #expect(throws: (any Error).self) { try await fire(url, .verified(BGBServerTrust(roots: BGBTrustRoots(pemFile: other.caFile())))) }
        await #expect(throws: (any Error).self) {
            try await fire(url, .verified(BGBServerTrust(pins: [BGBPublicKeyPin(sha256: [UInt8](repeating: 3, count: 32))])))
        }
        await #expect(throws: (any Error).self) { try await fire(url, .system) }
        #expect(AdminServiceTLS.insecure.description.contains("NOT validated"))
    }

    @Test("a redirect to the same server is followed; one to another server is refused, keeping the credentials")
    func redirects() async throws {
        let pki = try LabPKI()
        defer { pki.remove() }
        let (server, _) = try await startServer(pki)
        defer { try? server.close().wait() }
        let port = server.localAddress!.port!
        #expect(try await fire("https://127.0.0.1:\(port)/old", .insecure) == 7)
        do {
            _ = try await fire("https://127.0.0.1:\(port)/away", .insecure)
            Issue.record("followed a redirect to another server")
        } catch {
            #expect("\(error)".contains("another server"))
        }
    }
}
