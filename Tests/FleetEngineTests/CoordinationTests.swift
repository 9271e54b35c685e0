import FleetMetrics
import NIOCore
import Testing

@testable import FleetEngine

@Suite("Coordination protocol")
struct CoordinationTests {
    @Test("frames round-trip, wait for more bytes when incomplete, and refuse oversized lengths")
    func frames() throws {
        var histogram = HistogramSnapshot()
        histogram.merge(HistogramSnapshot(layout: .latency, counts: { var c = [UInt64](repeating: 0, count: HistogramLayout.latency.countsLength); c[100] = 7; return c }()))
        var record = IntervalRecord(start: 3, length: 1, histograms: [.response: histogram], counters: CounterSnapshot())
        record.mpOnline = 17
        let interval = try CoordinationMessage.WorkerInterval(record)
        let messages: [CoordinationMessage] = [
            .register(.init(index: 2, host: "pod-2", pid: 42)), .ping(.init(id: 1)),
            .pong(.init(id: 1, workerEpochNanoseconds: 123)), .interval(interval),
            .start(.init(epochNanoseconds: 1_000)), .stop(.init(reason: "interrupted")),
        ]
        var buffer = ByteBuffer()
        for message in messages { try CoordinationFrame.encode(message, into: &buffer) }
        // One byte short of everything: the last frame is incomplete.
        var partial = buffer.getSlice(at: 0, length: buffer.readableBytes - 1)!
        var decoded: [CoordinationMessage] = []
        while let message = try CoordinationFrame.decode(&partial) { decoded.append(message) }
        #expect(decoded == Array(messages.dropLast()))
        decoded = []
        while let message = try CoordinationFrame.decode(&buffer) { decoded.append(message) }
        #expect(decoded == messages)
        guard case .interval(let back) = decoded[3] else { Issue.record("not an interval"); return }
        #expect(try back.record().histograms[.response] == histogram)
        // The MP's own count of the worker's sessions travels with it (the coordinator sums them).
        #expect(try back.record().mpOnline == 17)

        var huge = ByteBuffer()
        huge.writeInteger(UInt32(CoordinationFrame.maximumLength + 1), endianness: .big)
        #expect(throws: CoordinationFrameError.tooLong(CoordinationFrame.maximumLength + 1)) { try CoordinationFrame.decode(&huge) }
        var garbage = ByteBuffer()
        garbage.writeInteger(UInt32(3), endianness: .big)
        garbage.writeString("{x}")
        #expect(throws: CoordinationFrameError.self) { try CoordinationFrame.decode(&garbage) }
    }

    @Test("the clock offset comes from the shortest round trip")
    func clockOffset() {
        var estimate = ClockOffsetEstimate()
        // Worker clock 5 ms ahead; round trips of 10 ms (asymmetric) and 2 ms (symmetric).
        estimate.add(sent: 0, worker: 5_000_000 + 9_000_000, received: 10_000_000)
        estimate.add(sent: 100_000_000, worker: 106_000_000, received: 102_000_000)
        #expect(estimate.offsetNanoseconds == 5_000_000)
        #expect(estimate.roundTripNanoseconds == 2_000_000)
        #expect(estimate.uncertaintyNanoseconds == 1_000_000)
        #expect(estimate.workerTime(1_000) == 5_001_000)
        #expect(estimate.coordinatorTime(5_001_000) == 1_000)
    }

    func register(_ machine: inout CoordinatorStateMachine, _ index: Int, now: Int64 = 0) -> [CoordinatorStateMachine.Action] {
        machine.registered(.init(index: index, host: "h\(index)", pid: 1), connection: 100 + index, now: now)
    }

    @Test("registration, clock, assignment, one start for all once every worker is ready")
    func happyPath() {
        var machine = CoordinatorStateMachine(workerCount: 2, now: 0, registrationTimeoutNanoseconds: 10_000_000_000)
        #expect(register(&machine, 0) == [.measureClock(index: 0)])
        #expect(register(&machine, 1) == [.measureClock(index: 1)])
        var slow = ClockOffsetEstimate()
        slow.add(sent: 0, worker: 0, received: 300_000_000)
        #expect(machine.clockMeasured(index: 0, estimate: ClockOffsetEstimate(), now: 1) == [.assign(index: 0)])
        #expect(machine.clockMeasured(index: 1, estimate: slow, now: 1) == [.assign(index: 1)])
        #expect(machine.ready(index: 0, sessions: 5, now: 2).isEmpty)
        // The start lies ahead by at least four of the slowest round trips.
        #expect(machine.ready(index: 1, sessions: 5, now: 1_000) == [.start(epochNanoseconds: 1_000 + 1_200_000_000)])
        #expect(machine.phase == .running)
        machine.started(index: 0, workerEpoch: 2_000, now: 3)
        #expect(machine.startSkewNanoseconds == nil)
        // Worker 1's clock is 150 ms behind; its start fired 10 ms after worker 0's.
        #expect(slow.offsetNanoseconds == -150_000_000)
        machine.started(index: 1, workerEpoch: 2_000 - 150_000_000 + 10_000_000, now: 3)
        #expect(machine.startSkewNanoseconds == 10_000_000)
        #expect(machine.finished(index: 0, now: 4).isEmpty)
        #expect(machine.finished(index: 1, now: 4) == [.complete])
        #expect(machine.phase == .done)
    }

    @Test("duplicate, out-of-range and late registrations are refused; missing workers are named at the deadline")
    func registrationFailures() {
        var machine = CoordinatorStateMachine(workerCount: 3, now: 0, registrationTimeoutNanoseconds: 10)
        _ = register(&machine, 0)
        guard case .reject(100, let failure)? = register(&machine, 0).first else { Issue.record("duplicate accepted"); return }
        #expect(failure.message.contains("already taken"))
        guard case .reject(_, let outside)? = register(&machine, 3).first else { Issue.record("index 3 accepted"); return }
        #expect(outside.message.contains("outside 0…2"))
        #expect(machine.tick(now: 9).isEmpty)
        #expect(machine.tick(now: 10).last == .abort(.neverRegistered([1, 2])))
        guard case .reject? = register(&machine, 1).first else { Issue.record("late registration accepted"); return }
    }

    @Test("a worker lost during the run is reported and the others complete it; silence counts as lost")
    func losses() {
        var machine = CoordinatorStateMachine(workerCount: 3, now: 0, registrationTimeoutNanoseconds: 10, lossTimeoutNanoseconds: 5)
        for index in 0..<3 {
            _ = register(&machine, index)
            _ = machine.clockMeasured(index: index, estimate: ClockOffsetEstimate(), now: 0)
        }
        for index in 0..<3 { _ = machine.ready(index: index, sessions: 1, now: 0) }
        #expect(machine.connectionClosed(102) == [.lost(index: 2, reason: "connection closed")])
        machine.heard(index: 0, now: 8)
        #expect(machine.tick(now: 8) == [.lost(index: 1, reason: "silent for 0 s")])
        #expect(machine.finished(index: 0, now: 9) == [.complete])
        #expect(machine.lostWorkers.map(\.index) == [1, 2])
    }

    @Test("a worker that fails or goes away before the start aborts the run")
    func failuresBeforeStart() {
        var machine = CoordinatorStateMachine(workerCount: 2, now: 0, registrationTimeoutNanoseconds: 10)
        _ = register(&machine, 0)
        let failure = CoordinationMessage.Failure(message: "pool too small", exitCode: 2)
        #expect(machine.failed(index: 0, failure: failure).last == .abort(.workerFailed(index: 0, failure)))
        var other = CoordinatorStateMachine(workerCount: 2, now: 0, registrationTimeoutNanoseconds: 10)
        _ = register(&other, 1)
        #expect(other.connectionClosed(101).last == .abort(.lostBeforeStart(index: 1, "connection closed")))
    }
}
