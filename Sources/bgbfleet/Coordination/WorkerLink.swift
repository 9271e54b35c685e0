import BGBProtocol
import FleetEngine
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// A worker's side of one coordinated run, as `RunCommand` sees it: it reports ready and waits for
/// the start instant, streams intervals, and stops the engine when the coordinator asks or is lost.
final class WorkerLink: Sendable {
    private struct State {
        var engine: FleetEngine?
        var start: CheckedContinuation<Int64, Error>?
        var startEpoch: Int64?
        var lost: String?
        var stopped: String?
    }

    let index: Int
    private let outbound: NIOAsyncChannelOutboundWriter<CoordinationMessage>
    private let state = NIOLockedValueBox(State())

    init(index: Int, outbound: NIOAsyncChannelOutboundWriter<CoordinationMessage>) {
        self.index = index
        self.outbound = outbound
    }

    /// Why the coordinator is gone, if it is.
    var lostReason: String? { state.withLockedValue { $0.lost } }

    func send(_ message: CoordinationMessage) {
        let outbound = self.outbound
        Task { try? await outbound.write(message) }
    }

    /// Reports ready and waits for the start instant (this host's clock); also measures when the
    /// start actually fires on `loop` and reports it (the coordinator computes the start skew).
    func awaitStart(sessions: Int, loop: EventLoop) async throws -> Int64 {
        try await outbound.write(.ready(.init(sessions: sessions)))
        let epoch = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int64, Error>) in
            let resume: Result<Int64, Error>? = state.withLockedValue { state in
                if let lost = state.lost { return .failure(CommandFailure.runFailed("the coordinator is gone: \(lost)")) }
                if let stopped = state.stopped { return .failure(CommandFailure.runFailed("the coordinator stopped the run before the start: \(stopped)")) }
                if let epoch = state.startEpoch { return .success(epoch) }
                state.start = continuation
                return nil
            }
            if let resume { continuation.resume(with: resume) }
        }
        let delay = epoch - BGBTimeStamp.currentEpochNanoseconds()
        let outbound = self.outbound
        loop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, Int64(NIODeadline.now().uptimeNanoseconds) + delay)))) {
            let fired = BGBTimeStamp.currentEpochNanoseconds()
            Task { try? await outbound.write(.started(.init(epochNanoseconds: fired))) }
        }
        return epoch
    }

    /// The engine the run created (stopped on request or when the coordinator is lost).
    func attach(_ engine: FleetEngine) {
        let stopNow = state.withLockedValue { state in
            state.engine = engine
            return state.lost != nil || state.stopped != nil
        }
        if stopNow { engine.stop() }
    }

    /// Streams one interval.
    func observe(_ interval: IntervalRecord) {
        guard let message = try? CoordinationMessage.WorkerInterval(interval) else { return }
        send(.interval(message))
    }

    /// The start instant arrived.
    func started(at epoch: Int64) {
        let continuation = state.withLockedValue { state in
            state.startEpoch = epoch
            defer { state.start = nil }
            return state.start
        }
        continuation?.resume(returning: epoch)
    }

    /// The coordinator asked to stop (its interruption, another worker's failure).
    func stop(reason: String) {
        let (engine, continuation) = state.withLockedValue { state in
            state.stopped = reason
            defer { state.start = nil }
            return (state.engine, state.start)
        }
        engine?.stop()
        continuation?.resume(throwing: CommandFailure.runFailed("the coordinator stopped the run before the start: \(reason)"))
    }

    /// The coordinator is gone: stop the sessions (cleanly) and let the run end.
    func coordinatorLost(_ reason: String) {
        let (engine, continuation) = state.withLockedValue { state in
            if state.lost == nil { state.lost = reason }
            defer { state.start = nil }
            return (state.engine, state.start)
        }
        engine?.stop()
        continuation?.resume(throwing: CommandFailure.runFailed("the coordinator is gone: \(reason)"))
    }
}
