import BGBProtocol
import NIOConcurrencyHelpers
import NIOCore

/// One client operation: its push (encoded once), the targets resolved at T0 and their progress.
final class ClientOperation: Sendable {
    struct Target: Sendable {
        /// Nil for a ResourceID nobody registered.
        var smsID: SMSID?
        var resourceID: Int
        /// The session online at T0; nil = offline.
        var session: SessionRef?
    }

    struct Progress {
        var status: PushClientRecord.Status
        var writtenAt: UInt64 = 0
        var enqueuedAt: UInt64 = 0
        var responded = false
        var returnCode: Int32?
        var rtt: UInt64?
        var failure: String?
    }

    struct State {
        var progress: [Progress]
        var completed = 0
        var failed = 0
        var written = 0
        var lastUpdated: Int64
    }

    /// How a Response relates to this operation.
    enum ResponseMatch {
        case matched(rtt: UInt64?, success: Bool)
        case duplicate
        case unmatched
    }

    let id: OperationID
    let adminType: Int
    let collectionID: String
    let randomizationWindow: Int?
    let request: BGBRequest
    let requestedAt: Int64
    let targets: [Target]
    let offlineCount: Int
    let indexBySMSID: [SMSID: Int]
    /// The whole TCP frame (header + payload), shared by every session's write.
    let tcpFrame: ByteBuffer
    /// The same payload as a frame value, for HTTP answers.
    let frame: BGBFrame
    private let state: NIOLockedValueBox<State>

    init(
        id: OperationID,
        adminType: Int,
        collectionID: String,
        randomizationWindow: Int?,
        request: BGBRequest,
        targets: [Target],
        allocator: ByteBufferAllocator
    ) {
        self.id = id
        self.adminType = adminType
        self.collectionID = collectionID
        self.randomizationWindow = randomizationWindow
        self.request = request
        self.targets = targets
        let now = Clock.epochNanoseconds
        self.requestedAt = now
        var index: [SMSID: Int] = [:]
        index.reserveCapacity(targets.count)
        var progress: [Progress] = []
        progress.reserveCapacity(targets.count)
        var offline = 0
        for (position, target) in targets.enumerated() {
            if let smsID = target.smsID { index[smsID] = position }
            if target.session == nil {
                offline += 1
                progress.append(Progress(status: .offline))
            } else {
                progress.append(Progress(status: .pending))
            }
        }
        self.indexBySMSID = index
        self.offlineCount = offline
        var buffer = allocator.buffer(capacity: 256 + (request.taskParam?.utf8.count ?? 0))
        BGBMessage.request(request).writeTCPFrame(into: &buffer)
        self.tcpFrame = buffer
        self.frame = BGBFrame(channel: .request, payload: buffer.getSlice(at: BGBFrameHeader.size, length: buffer.readableBytes - BGBFrameHeader.size)!)
        self.state = NIOLockedValueBox(State(progress: progress, lastUpdated: now))
    }

    /// Records a batch of writes (one lock for the batch).
    func markWritten(_ batch: [(index: Int, at: UInt64)]) {
        guard !batch.isEmpty else { return }
        state.withLockedValue { state in
            for (index, at) in batch {
                switch state.progress[index].status {
                case .pending, .queued:
                    state.progress[index].status = .written
                    state.progress[index].writtenAt = at
                    state.written += 1
                case .completed, .failed:
                    // Answered before the write was recorded (an HTTP race): keep the answer.
                    if state.progress[index].writtenAt == 0 {
                        state.progress[index].writtenAt = at
                        state.written += 1
                    }
                case .written, .offline:
                    break
                }
            }
            state.lastUpdated = Clock.epochNanoseconds
        }
    }

    /// Marks an HTTP target queued; returns the time it was queued.
    func markQueued(_ index: Int) {
        let now = Clock.monotonicNanoseconds
        state.withLockedValue { state in
            if state.progress[index].status == .pending {
                state.progress[index].status = .queued
                state.progress[index].enqueuedAt = now
            }
        }
    }

    /// The time `index` was queued (0 if it never was).
    func enqueuedAt(_ index: Int) -> UInt64 {
        state.withLockedValue { $0.progress[index].enqueuedAt }
    }

    /// A send failed; returns whether the target changed to failed.
    @discardableResult
    func markFailed(_ index: Int, reason: String) -> Bool {
        state.withLockedValue { state in
            switch state.progress[index].status {
            case .pending, .queued, .written:
                state.progress[index].status = .failed
                state.progress[index].failure = reason
                state.failed += 1
                state.lastUpdated = Clock.epochNanoseconds
                return true
            case .offline, .completed, .failed:
                return false
            }
        }
    }

    /// Matches a Response of `smsID` (PushID and TaskID already compared) read at `now`.
    func recordResponse(from smsID: SMSID, returnCode: ReturnCode, now: UInt64) -> ResponseMatch {
        guard let index = indexBySMSID[smsID] else { return .unmatched }
        return state.withLockedValue { state in
            var progress = state.progress[index]
            if progress.responded { return .duplicate }
            switch progress.status {
            case .offline:
                return .unmatched
            case .failed:
                // A send we gave up on was answered after all: count the answer, keep it failed.
                progress.responded = true
                progress.returnCode = returnCode.rawValue
                state.progress[index] = progress
                return .duplicate
            case .pending, .queued, .written, .completed:
                break
            }
            progress.responded = true
            progress.returnCode = returnCode.rawValue
            if progress.writtenAt != 0, now >= progress.writtenAt {
                progress.rtt = now - progress.writtenAt
            }
            if returnCode.isSuccess {
                progress.status = .completed
                state.completed += 1
            } else {
                progress.status = .failed
                progress.failure = "ReturnCode \(returnCode.rawValue)"
                state.failed += 1
            }
            state.progress[index] = progress
            state.lastUpdated = Clock.epochNanoseconds
            return .matched(rtt: progress.rtt, success: returnCode.isSuccess)
        }
    }

    func status() -> OperationStatus {
        state.withLockedValue { state in
            OperationStatus(
                id: id,
                type: adminType,
                collectionID: collectionID,
                totalClients: targets.count,
                completedClients: state.completed,
                failedClients: state.failed,
                offlineClients: offlineCount,
                requestedTimeEpochNanoseconds: requestedAt,
                lastUpdatedEpochNanoseconds: state.lastUpdated,
                uniqueID: request.taskGuid,
                pushID: request.pushID,
                taskID: request.taskID,
                taskType: request.taskType.rawValue,
                randomizationWindow: randomizationWindow,
                writtenClients: state.written
            )
        }
    }

    func clientRecords() -> [PushClientRecord] {
        state.withLockedValue { state in
            zip(targets, state.progress).map { target, progress in
                PushClientRecord(
                    smsID: target.smsID,
                    resourceID: target.resourceID,
                    channelType: target.session?.channelType,
                    status: progress.status,
                    written: progress.writtenAt != 0,
                    responded: progress.responded,
                    returnCode: progress.returnCode,
                    rttNanoseconds: progress.rtt,
                    failure: progress.failure
                )
            }
        }
    }
}
