import BGBProtocol
import NIOConcurrencyHelpers

/// The operations the simulator started, indexed by OperationID and by PushID, and the three
/// independent counters (OperationID, PushID, TaskID; PushID ≠ TaskID so tests catch swaps).
final class OperationStore: Sendable {
    /// The most operations kept; older ones are forgotten (their Responses count as unmatched).
    static let retention = 4096

    struct State {
        var nextOperationID = 16_777_217
        var nextPushID: Int32 = 1
        var nextTaskID: Int32 = 1001
        var ordered: [ClientOperation] = []
        var byID: [OperationID: ClientOperation] = [:]
        var byPushID: [Int32: ClientOperation] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Reserves the numbers of a new operation.
    func allocate() -> (operationID: OperationID, pushID: Int32, taskID: Int32) {
        state.withLockedValue { state in
            defer {
                state.nextOperationID += 1
                state.nextPushID = state.nextPushID == Int32.max ? 1 : state.nextPushID + 1
                state.nextTaskID = state.nextTaskID == Int32.max ? 1 : state.nextTaskID + 1
            }
            return (OperationID(rawValue: state.nextOperationID), state.nextPushID, state.nextTaskID)
        }
    }

    func insert(_ operation: ClientOperation) {
        state.withLockedValue { state in
            state.ordered.append(operation)
            state.byID[operation.id] = operation
            state.byPushID[operation.request.pushID] = operation
            if state.ordered.count > Self.retention {
                let dropped = state.ordered.removeFirst()
                state.byID[dropped.id] = nil
                if state.byPushID[dropped.request.pushID] === dropped {
                    state.byPushID[dropped.request.pushID] = nil
                }
            }
        }
    }

    func operation(_ id: OperationID) -> ClientOperation? {
        state.withLockedValue { $0.byID[id] }
    }

    func operation(pushID: Int32) -> ClientOperation? {
        state.withLockedValue { $0.byPushID[pushID] }
    }

    func all() -> [ClientOperation] {
        state.withLockedValue { $0.ordered }
    }
}
