/// The coordinator's side of the protocol, transport-free: it is told what happened (a worker
/// registered, measured, got ready, sent an interval, finished, went away; time passed) and
/// answers with what to do. The shell owns the sockets, the clock and the reports.
public struct CoordinatorStateMachine: Sendable {
    /// Identifies one connection in the shell.
    public typealias ConnectionID = Int

    public enum Phase: Sendable, Equatable {
        /// Waiting for every worker to register and report ready.
        case preparing
        /// The start instant was sent.
        case running
        /// Every worker finished or was lost (or the run was aborted).
        case done
    }

    public enum WorkerState: Sendable, Equatable {
        case registered
        case measured
        case ready
        case running
        case finished
        case lost(String)
        case failed(CoordinationMessage.Failure)
    }

    public struct Worker: Sendable, Equatable {
        public var connection: ConnectionID
        public var host: String
        public var state: WorkerState
        public var clock = ClockOffsetEstimate()
        public var sessions = 0
        /// When its start fired, on the coordinator's clock.
        public var startedAt: Int64?
        /// When the coordinator last heard from it (its clock).
        public var lastHeard: Int64
    }

    /// Why the run cannot go on.
    public enum Abort: Sendable, Equatable {
        /// These worker indices never registered in time (exit 2).
        case neverRegistered([Int])
        /// A worker refused its assignment or failed to get ready.
        case workerFailed(index: Int, CoordinationMessage.Failure)
        /// A worker went away before the start.
        case lostBeforeStart(index: Int, String)
        /// Not ready in time.
        case notReady([Int])
    }

    public enum Action: Sendable, Equatable {
        /// Reply on a connection that is not (or no longer) a worker's, then close it.
        case reject(ConnectionID, CoordinationMessage.Failure)
        /// Start measuring this worker's clock (the shell runs the round trips, then calls ``clockMeasured(index:estimate:)``).
        case measureClock(index: Int)
        /// Send the worker its assignment.
        case assign(index: Int)
        /// Send every worker the start instant (coordinator clock; convert per worker).
        case start(epochNanoseconds: Int64)
        /// Stop every worker still running.
        case stopAll(reason: String)
        /// A worker is lost: keep its data so far, close its connection.
        case lost(index: Int, reason: String)
        /// Close and abandon the run.
        case abort(Abort)
        /// Every worker is finished or lost.
        case complete
    }

    public let workerCount: Int
    public private(set) var phase: Phase = .preparing
    public private(set) var workers: [Int: Worker] = [:]
    /// When registration (and readiness) must be complete, coordinator clock.
    public let registrationDeadline: Int64
    public let readyDeadline: Int64
    /// Silence after which a running worker counts as lost.
    public let lossTimeoutNanoseconds: Int64
    /// How far ahead of "everyone is ready" the start instant lies, at least.
    public let startLeadNanoseconds: Int64
    public private(set) var startInstant: Int64?

    public init(
        workerCount: Int,
        now: Int64,
        registrationTimeoutNanoseconds: Int64,
        readyTimeoutNanoseconds: Int64 = 1_800_000_000_000,
        lossTimeoutNanoseconds: Int64 = 10_000_000_000,
        startLeadNanoseconds: Int64 = 500_000_000
    ) {
        precondition(workerCount >= 1, "a run needs a worker")
        self.workerCount = workerCount
        self.registrationDeadline = now + registrationTimeoutNanoseconds
        self.readyDeadline = now + registrationTimeoutNanoseconds + readyTimeoutNanoseconds
        self.lossTimeoutNanoseconds = lossTimeoutNanoseconds
        self.startLeadNanoseconds = startLeadNanoseconds
    }

    /// The worker on `connection`, if any.
    public func index(of connection: ConnectionID) -> Int? {
        workers.first { $0.value.connection == connection }?.key
    }

    public mutating func registered(_ register: CoordinationMessage.Register, connection: ConnectionID, now: Int64) -> [Action] {
        guard register.protocolVersion == CoordinationMessage.protocolVersion else {
            return [.reject(connection, .init(message: "protocol version \(register.protocolVersion); the coordinator speaks \(CoordinationMessage.protocolVersion): use the same bgbfleet build", exitCode: 2))]
        }
        guard phase == .preparing else {
            return [.reject(connection, .init(message: "the run has already started", exitCode: 2))]
        }
        guard (0..<workerCount).contains(register.index) else {
            return [.reject(connection, .init(message: "worker index \(register.index) is outside 0…\(workerCount - 1) of this run of \(workerCount) workers", exitCode: 2))]
        }
        if let existing = workers[register.index] {
            return [.reject(connection, .init(message: "worker index \(register.index) is already taken by \(existing.host)", exitCode: 2))]
        }
        workers[register.index] = Worker(connection: connection, host: register.host, state: .registered, lastHeard: now)
        return [.measureClock(index: register.index)]
    }

    public mutating func clockMeasured(index: Int, estimate: ClockOffsetEstimate, now: Int64) -> [Action] {
        guard phase == .preparing, var worker = workers[index], worker.state == .registered else { return [] }
        worker.clock = estimate
        worker.state = .measured
        worker.lastHeard = now
        workers[index] = worker
        return [.assign(index: index)]
    }

    public mutating func ready(index: Int, sessions: Int, now: Int64) -> [Action] {
        guard phase == .preparing, var worker = workers[index], worker.state == .measured else { return [] }
        worker.state = .ready
        worker.sessions = sessions
        worker.lastHeard = now
        workers[index] = worker
        guard workers.count == workerCount, workers.values.allSatisfy({ $0.state == .ready }) else { return [] }
        // One instant for everyone: far enough ahead that the slowest link has it in time.
        let slowest = workers.values.map { $0.clock.roundTripNanoseconds == .max ? 0 : $0.clock.roundTripNanoseconds }.max() ?? 0
        let start = now + max(startLeadNanoseconds, 4 * slowest)
        startInstant = start
        phase = .running
        for key in workers.keys { workers[key]!.state = .running }
        return [.start(epochNanoseconds: start)]
    }

    /// A worker's start fired at `workerEpoch` (its clock).
    public mutating func started(index: Int, workerEpoch: Int64, now: Int64) {
        guard var worker = workers[index] else { return }
        worker.startedAt = worker.clock.coordinatorTime(workerEpoch)
        worker.lastHeard = now
        workers[index] = worker
    }

    /// Anything heard from a worker keeps it alive.
    public mutating func heard(index: Int, now: Int64) {
        workers[index]?.lastHeard = now
    }

    public mutating func finished(index: Int, now: Int64) -> [Action] {
        guard var worker = workers[index], worker.state == .running else { return [] }
        worker.state = .finished
        worker.lastHeard = now
        workers[index] = worker
        return completion()
    }

    public mutating func failed(index: Int, failure: CoordinationMessage.Failure) -> [Action] {
        guard var worker = workers[index] else { return [] }
        switch phase {
        case .preparing:
            worker.state = .failed(failure)
            workers[index] = worker
            phase = .done
            return [.stopAll(reason: "worker \(index) failed: \(failure.message)"), .abort(.workerFailed(index: index, failure))]
        case .running:
            guard worker.state == .running else { return [] }
            worker.state = .lost("failed: \(failure.message)")
            workers[index] = worker
            return [.lost(index: index, reason: "failed: \(failure.message)")] + completion()
        case .done:
            return []
        }
    }

    public mutating func connectionClosed(_ connection: ConnectionID) -> [Action] {
        guard let index = index(of: connection), var worker = workers[index] else { return [] }
        switch phase {
        case .preparing:
            if case .failed = worker.state { return [] }
            phase = .done
            return [.stopAll(reason: "worker \(index) went away before the start"), .abort(.lostBeforeStart(index: index, "connection closed"))]
        case .running:
            guard worker.state == .running else { return [] }
            worker.state = .lost("connection closed")
            workers[index] = worker
            return [.lost(index: index, reason: "connection closed")] + completion()
        case .done:
            return []
        }
    }

    /// Time passed: registration and readiness deadlines, silent workers.
    public mutating func tick(now: Int64) -> [Action] {
        switch phase {
        case .preparing:
            if now >= registrationDeadline, workers.count < workerCount {
                phase = .done
                let missing = (0..<workerCount).filter { workers[$0] == nil }
                return [.stopAll(reason: "worker(s) \(missing) never registered"), .abort(.neverRegistered(missing))]
            }
            if now >= readyDeadline {
                phase = .done
                let late = workers.filter { $0.value.state != .ready }.map(\.key).sorted()
                return [.stopAll(reason: "worker(s) \(late) not ready in time"), .abort(.notReady(late))]
            }
            return []
        case .running:
            var actions: [Action] = []
            for (index, worker) in workers.sorted(by: { $0.key < $1.key }) where worker.state == .running {
                if now - worker.lastHeard > lossTimeoutNanoseconds {
                    let reason = "silent for \((now - worker.lastHeard) / 1_000_000_000) s"
                    workers[index]!.state = .lost(reason)
                    actions.append(.lost(index: index, reason: reason))
                }
            }
            return actions.isEmpty ? [] : actions + completion()
        case .done:
            return []
        }
    }

    /// The coordinator was asked to stop (a signal).
    public mutating func stopRequested() -> [Action] {
        switch phase {
        case .preparing:
            phase = .done
            return [.stopAll(reason: "the coordinator was interrupted"), .abort(.workerFailed(index: -1, .init(message: "interrupted before the start", exitCode: 130)))]
        case .running:
            return [.stopAll(reason: "the coordinator was interrupted")]
        case .done:
            return []
        }
    }

    private mutating func completion() -> [Action] {
        guard phase == .running else { return [] }
        let open = workers.values.contains { $0.state == .running }
        guard !open else { return [] }
        phase = .done
        return [.complete]
    }

    /// Indices of lost workers, with why.
    public var lostWorkers: [(index: Int, reason: String)] {
        workers.sorted { $0.key < $1.key }.compactMap { entry in
            if case .lost(let reason) = entry.value.state { return (entry.key, reason) }
            return nil
        }
    }

    /// The spread of the workers' actual starts on the coordinator's clock (nil until all reported).
    public var startSkewNanoseconds: Int64? {
        let starts = workers.values.compactMap(\.startedAt)
        guard starts.count == workerCount, let first = starts.min(), let last = starts.max() else { return nil }
        return last - first
    }
}
