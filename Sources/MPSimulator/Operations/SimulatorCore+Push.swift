import BGBProtocol
import NIOCore

extension SimulatorCore {
    /// The All Systems collection.
    static let allSystems = "SMS00001"

    /// The ResourceIDs of a collection; nil for an unknown collection.
    func collectionMembers(_ collectionID: String) -> [Int]? {
        if collectionID.caseInsensitiveEquals(Self.allSystems) {
            return directory.allRecords().map(\.resourceID)
        }
        return configuration.collections[collectionID]
            ?? configuration.collections.first { $0.key.caseInsensitiveEquals(collectionID) }?.value
    }

    /// Resolves targets at T0, encodes the Request once and starts the fan-out (spec §9.2).
    func initiate(
        type: Int,
        collectionID: String,
        resourceIDs: [Int]?,
        param: String?,
        randomizationWindow: Int?,
        scheduler: EventLoop
    ) throws(MPSimulatorError) -> OperationID {
        guard let members = collectionMembers(collectionID) else { throw .unknownCollection(collectionID) }
        var targetIDs = members
        if let resourceIDs, !resourceIDs.isEmpty {
            var seen = Set<Int>()
            targetIDs = resourceIDs.filter { seen.insert($0).inserted }
        }
        let memberSet = resourceIDs?.isEmpty == false ? Set(members) : nil
        let records: [ClientRecord?] = targetIDs.map { id in
            if let memberSet, !memberSet.contains(id) { return nil }
            return directory.record(forResourceID: id)
        }
        let smsIDs = records.compactMap { $0?.smsID }
        var sessions = directory.sessions(for: smsIDs).makeIterator()
        let targets = zip(targetIDs, records).map { id, record in
            ClientOperation.Target(smsID: record?.smsID, resourceID: id, session: record == nil ? nil : sessions.next()!)
        }

        let numbers = operations.allocate()
        let taskType = TaskType(rawValue: configuration.wireTaskType(forAdminType: type))
        let request = BGBRequest(
            timeStamp: timeStamp(),
            pushID: numbers.pushID,
            taskID: numbers.taskID,
            taskGuid: GUIDText.random(),
            taskType: taskType,
            taskParam: param ?? ""
        )
        if !taskType.isAcceptedBySDK {
            logger.warning("pushing a TaskType Microsoft's client SDK rejects (it closes the session)", metadata: [
                "operation": "\(numbers.operationID)", "type": "\(type)", "task_type": "\(taskType.rawValue)",
            ])
        }
        let operation = ClientOperation(
            id: numbers.operationID,
            adminType: type,
            collectionID: collectionID,
            randomizationWindow: randomizationWindow,
            request: request,
            targets: targets,
            allocator: ByteBufferAllocator()
        )
        operations.insert(operation)
        update { counters in
            counters.operations += 1
            counters.pushesOffline += UInt64(operation.offlineCount)
        }
        let online = targets.indices.filter { targets[$0].session != nil }
        logger.info("client operation", metadata: [
            "operation": "\(operation.id)", "type": "\(type)", "push_id": "\(request.pushID)",
            "task_id": "\(request.taskID)", "targets": "\(targets.count)", "online": "\(online.count)",
        ])
        if let throttle = configuration.pushThrottle, online.count > throttle.clientsPerBatch {
            var start = 0
            var batch = 0
            while start < online.count {
                let slice = Array(online[start..<min(start + throttle.clientsPerBatch, online.count)])
                if batch == 0 {
                    deliver(operation, indices: slice)
                } else {
                    let delay = TimeAmount.nanoseconds(throttle.batchInterval.nanoseconds * Int64(batch))
                    scheduler.scheduleTask(in: delay) { [self] in deliver(operation, indices: slice) }
                }
                start += throttle.clientsPerBatch
                batch += 1
            }
        } else {
            deliver(operation, indices: online)
        }
        return operation.id
    }

    /// Sends a batch: one `execute` per event loop carrying its sessions; HTTP targets through the table.
    func deliver(_ operation: ClientOperation, indices: [Int]) {
        var byLoop: [ObjectIdentifier: (EventLoop, [(TCPSessionHandler, Int)])] = [:]
        var foreign: [(index: Int, at: UInt64)] = []
        for index in indices {
            switch operation.targets[index].session {
            case .tcp(let handler):
                byLoop[ObjectIdentifier(handler.eventLoop), default: (handler.eventLoop, [])].1.append((handler, index))
            case .http(let id, let number):
                deliverHTTP(id, number: number, frame: operation.frame, push: PushTarget(operation: operation, index: index))
            case .foreign:
                // Sent to a device outside the fleet: written, never answered.
                foreign.append((index, Clock.monotonicNanoseconds))
            case nil:
                break
            }
        }
        if !foreign.isEmpty {
            operation.markWritten(foreign)
            update { $0.pushesWritten += UInt64(foreign.count) }
        }
        for (_, (loop, sessions)) in byLoop {
            loop.execute { [self] in
                var written: [(index: Int, at: UInt64)] = []
                written.reserveCapacity(sessions.count)
                var failed = 0
                for (handler, index) in sessions {
                    switch handler.deliver(operation, index: index) {
                    case .success(let at):
                        written.append((index, at))
                    case .failure(let failure):
                        if operation.markFailed(index, reason: failure.rawValue) { failed += 1 }
                    }
                }
                operation.markWritten(written)
                update { counters in
                    counters.pushesWritten += UInt64(written.count)
                    counters.pushesFailed += UInt64(failed)
                }
            }
        }
    }
}
