import AllocationCounter
import BGBClient
import BGBProtocol
import FleetMetrics
import NIOCore
import Testing

/// The deterministic half of the benchmarks, as a gate in `swift test` (and so in CI): heap
/// allocations per operation on the push path and in the wire decoders, counted exactly on the
/// calling thread. A change that adds an allocation fails here; wall-clock figures stay in
/// `Benchmarks/` (advisory, see docs/performance.md).
///
/// The counts are those of the debug build `swift test` makes (a release build allocates less:
/// the release figures are the benchmarks' `mallocCountTotal`, Benchmarks/Thresholds). After an
/// intended change, update `expected` from the failure message, which prints the new count.
/// Whether this is the debug build the expected counts are for.
private let isDebugBuild: Bool = {
    #if DEBUG
    true
    #else
    false
    #endif
}()

@Suite("Allocation counts", .enabled(if: AllocationCounter.isAvailable && isDebugBuild))
struct AllocationCountTests {
    /// Allocations per call of `body`, averaged over `iterations` calls after a warm-up call
    /// (first-use costs: lazy globals, metadata, caches).
    static func allocations(iterations: Int = 100, _ body: () throws -> Void) rethrows -> Double {
        try body()
        let total = try AllocationCounter.count {
            for _ in 0..<iterations { try body() }
        }
        return Double(total) / Double(iterations)
    }

    static let requestFrame: ByteBuffer = {
        var buffer = ByteBuffer()
        BGBMessage.request(
            BGBRequest(
                timeStamp: BGBTimeStamp(epochNanoseconds: 1_795_715_162_000_000_000, style: .utcWholeSeconds),
                pushID: 1, taskID: 1, taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F", taskType: .requestPolicy
            )
        ).writeTCPFrame(into: &buffer)
        return buffer
    }()

    static let responseFrame: ByteBuffer = {
        var buffer = ByteBuffer()
        BGBMessage.response(
            BGBResponse(timeStamp: try! BGBTimeStamp(parsing: "2026-11-26T18:46:02.078027+01:00"), pushID: 1, taskID: 1, returnCode: .success)
        ).writeTCPFrame(into: &buffer)
        return buffer
    }()

    static func decode(_ bytes: ByteBuffer, parser: BGBFrameParser) throws -> BGBMessage {
        var buffer = bytes
        guard let frame = try parser.nextFrame(from: &buffer) else { fatalError("incomplete frame") }
        return try BGBMessage(frame: frame)
    }

    static func onlineMachine() throws -> BGBSessionStateMachine {
        let smsID = try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        var machine = BGBSessionStateMachine(configuration: BGBSessionConfiguration(smsID: smsID, timestamps: .sdk(localOffsetMinutes: 60)))
        _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        _ = machine.received(.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds))), nowNanoseconds: 0, epochNanoseconds: 0)
        return machine
    }

    @Test("decode a Request frame (the push, canonical path)")
    func decodeRequest() throws {
        let parser = BGBFrameParser(configuration: .tolerant)
        let count = try Self.allocations { _ = try Self.decode(Self.requestFrame, parser: parser) }
        #expect(count == Expected.decodeRequest, "decode Request: \(count) allocations per frame")
    }

    @Test("decode a Response frame (the MP simulator's side)")
    func decodeResponse() throws {
        let parser = BGBFrameParser(configuration: .tolerant)
        let count = try Self.allocations { _ = try Self.decode(Self.responseFrame, parser: parser) }
        #expect(count == Expected.decodeResponse, "decode Response: \(count) allocations per frame")
    }

    @Test("encode a Response frame into a reused buffer")
    func encodeResponse() throws {
        let timeStamp = try BGBTimeStamp(parsing: "2026-11-26T18:46:02.078027+01:00")
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        var pushID: Int32 = 0
        let count = Self.allocations {
            pushID &+= 1
            buffer.clear()
            BGBMessage.response(BGBResponse(timeStamp: timeStamp, pushID: pushID, taskID: pushID, returnCode: .success))
                .writeTCPFrame(into: &buffer)
        }
        #expect(count == Expected.encodeResponse, "encode Response: \(count) allocations per frame")
    }

    @Test("the session's push step: Request into the state machine, Response out")
    func sessionPushStep() throws {
        var machine = try Self.onlineMachine()
        let request = BGBRequest(
            timeStamp: BGBTimeStamp(epochNanoseconds: 0, style: .utcWholeSeconds),
            pushID: 1, taskID: 1, taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F", taskType: .requestPolicy
        )
        let count = Self.allocations {
            _ = machine.received(.request(request), nowNanoseconds: 1, epochNanoseconds: 1_795_715_162_000_000_000)
            _ = machine.respond(to: request, returnCode: .success, epochNanoseconds: 1_795_715_162_000_000_000)
        }
        #expect(count == Expected.sessionPushStep, "push step: \(count) allocations per push")
    }

    @Test("the per-push path: decode the frame, state machine, encode the Response, record the latency")
    func perPushPath() throws {
        var machine = try Self.onlineMachine()
        let parser = BGBFrameParser(configuration: .tolerant)
        let recorder = Recorder()
        var output = ByteBuffer()
        output.reserveCapacity(512)
        let count = try Self.allocations {
            guard case .request(let request) = try Self.decode(Self.requestFrame, parser: parser) else { fatalError("not a Request") }
            _ = machine.received(.request(request), nowNanoseconds: 1, epochNanoseconds: 1_795_715_162_000_000_000)
            for action in machine.respond(to: request, returnCode: .success, epochNanoseconds: 1_795_715_162_000_000_000) {
                if case .send(let message) = action {
                    output.clear()
                    message.writeTCPFrame(into: &output)
                }
            }
            recorder.record(15_000)
        }
        #expect(count == Expected.perPushPath, "per-push path: \(count) allocations per push")
    }

    @Test("recording a latency sample allocates nothing")
    func record() {
        let recorder = Recorder()
        let count = Self.allocations(iterations: 1_000) { recorder.record(15_000) }
        #expect(count == 0, "record: \(count) allocations per sample")
    }

    /// The counts of the debug build (Swift 6.3.1, Linux x86_64). The release build's, from the
    /// benchmarks (Benchmarks/Thresholds): 1, 4, 0, 0 and 1.
    enum Expected {
        static let decodeRequest = 4.0
        static let decodeResponse = 11.0
        static let encodeResponse = 1.0
        static let sessionPushStep = 0.0
        static let perPushPath = 7.0
    }
}
