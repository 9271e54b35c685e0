import ArgumentParser
import BGBProtocol
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `bgbfleet worker`: one worker of a coordinated run (a Kubernetes pod, or one of the local
/// processes of `run --processes N`).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one slice of a coordinated run: connect to `bgbfleet run --workers N --listen ADDR:PORT` and do what it says.",
        discussion: """
            The worker connects to the coordinator (retrying until --connect-timeout), registers with its \
            index, lets the coordinator measure its clock offset, receives its slice of the plan (the \
            coordinator's profile and flags; the slice follows from the index), loads its identities and \
            target, reports ready and starts at the coordinator's one start instant. It streams its \
            intervals every second and sends its report at the end; the coordinator writes it under \
            worker-N/ of the merged report.

            Identities: --identities (e.g. a read-only volume holding a registered pool of the whole \
            fleet; each worker loads only its slice), or --generate-identities KEY for simulator targets \
            (the worker generates its slice alone, into a pool of its own, derived from the run ID — or \
            --identity-seed — and its first session: a worker restarted on any host presents the same \
            SMSIDs, names and P-256 keys again, and no two workers mint the same SMSID), else the coordinator's pool \
            when it is on this host, else the default pool in the cache directory (the whole fleet's, \
            generated on first use).

            If the coordinator goes away (connection closed, or silent for 15 s), the worker stops its \
            sessions cleanly and exits 1; after --coordinator-grace it exits whatever is still closing.

            Exit status: 0 the run finished and the report was delivered, 2 bad usage or refused by the \
            coordinator, 1 the run failed or the coordinator was lost.
            """
    )

    @Option(help: "The coordinator, HOST:PORT (e.g. bgbfleet-coordinator:7400).")
    var coordinator: String

    @Option(help: "This worker's index, 0…N-1. Default: $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).")
    var index: Int?

    @Option(help: "The identity pool directory on this host (read only; the worker loads its slice).")
    var identities: String?

    @Option(help: "Simulator targets: generate only this worker's slice of identities (key rsa2048 or p256), derived from the seed and its first session, into a pool of its own under --identities DIR or the cache directory, grown as needed and reused by later runs with the same seed.")
    var generateIdentities: IdentityKeyOption?

    @Option(help: "With --generate-identities: the seed the slice is derived from (default: the coordinator's run ID, $BGBFLEET_RUN_ID or the report directory's name). Keep one seed to reuse slices across runs.")
    var identitySeed: String?

    @Option(help: "Where this worker writes its own copy of the report (default: a temporary directory, removed once the coordinator has it).")
    var output: String?

    @Option(help: "How long to keep trying to reach the coordinator (e.g. 120s).")
    var connectTimeout: String = "120s"

    @Option(help: "Once the coordinator is lost: how long the worker may take to close its sessions before it exits anyway.")
    var coordinatorGrace: String = "30s"

    func resolvedIndex() throws -> Int {
        if let index {
            guard index >= 0 else { throw CommandFailure.badInput("--index \(index): must be 0 or more") }
            return index
        }
        guard let text = ProcessInfo.processInfo.environment["JOB_COMPLETION_INDEX"] else {
            throw CommandFailure.badInput("no --index and no JOB_COMPLETION_INDEX in the environment")
        }
        guard let value = Int(text), value >= 0 else {
            throw CommandFailure.badInput("JOB_COMPLETION_INDEX=\(text): not an index")
        }
        return value
    }

    func run() async throws {
        guard let (host, port) = CoordinationTransport.parseEndpoint(coordinator), port > 0 else {
            throw CommandFailure.badInput("--coordinator \(coordinator): expected HOST:PORT")
        }
        let index = try resolvedIndex()
        guard let connectTimeout = DurationText.nanoseconds(connectTimeout) else {
            throw CommandFailure.badInput("--connect-timeout \(self.connectTimeout): not a duration")
        }
        guard let grace = DurationText.nanoseconds(coordinatorGrace) else {
            throw CommandFailure.badInput("--coordinator-grace \(coordinatorGrace): not a duration")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await Self.connect(host: host, port: port, timeout: connectTimeout, group: group)
        let hostName = ProcessInfo.processInfo.hostName
        try await channel.executeThenClose { inbound, outbound in
            let link = WorkerLink(index: index, outbound: outbound)
            try await outbound.write(.register(.init(index: index, host: hostName, pid: getpid())))
            let (assignments, assignmentSink) = AsyncStream.makeStream(of: Result<CoordinationMessage.Assignment, CommandFailure>.self)
            let lastHeard = NIOLockedValueBox(Date())
            let delivered = NIOLockedValueBox(false)
            let inboundDone = NIOLockedValueBox(false)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                // The coordinator's messages, all run long.
                tasks.addTask {
                    do {
                        for try await message in inbound {
                            lastHeard.withLockedValue { $0 = Date() }
                            switch message {
                            case .ping(let ping):
                                try await outbound.write(.pong(.init(id: ping.id, workerEpochNanoseconds: BGBTimeStamp.currentEpochNanoseconds())))
                            case .assign(let assignment):
                                assignmentSink.yield(.success(assignment))
                            case .start(let start):
                                link.started(at: start.epochNanoseconds)
                            case .stop(let stop):
                                stderrLine("bgbfleet: worker \(index): the coordinator stops the run: \(stop.reason)")
                                link.stop(reason: stop.reason)
                            case .rejected(let failure):
                                assignmentSink.yield(.failure(CommandFailure(message: "the coordinator refused worker \(index): \(failure.message)", exitCode: failure.exitCode)))
                            default:
                                break
                            }
                        }
                        if !delivered.withLockedValue({ $0 }) { Self.lost(link, "it closed the connection", grace: grace) }
                    } catch {
                        if !delivered.withLockedValue({ $0 }) { Self.lost(link, "\(error)", grace: grace) }
                    }
                    inboundDone.withLockedValue { $0 = true }
                    assignmentSink.finish()
                }
                // A coordinator that falls silent (its host died) is lost too.
                tasks.addTask {
                    while !delivered.withLockedValue({ $0 }), link.lostReason == nil {
                        try await Task.sleep(nanoseconds: 1_000_000_000)
                        if Date().timeIntervalSince(lastHeard.withLockedValue { $0 }) > 15 {
                            Self.lost(link, "silent for 15 s", grace: grace)
                        }
                    }
                }
                var iterator = assignments.makeAsyncIterator()
                guard let first = await iterator.next() else {
                    throw CommandFailure.runFailed("worker \(index): the coordinator went away before it sent the plan")
                }
                let assignment = try first.get()
                do {
                    let finished = try await runAssignment(assignment, link: link)
                    if let lost = link.lostReason {
                        throw CommandFailure.runFailed("worker \(index): the coordinator is gone (\(lost)); sessions were closed")
                    }
                    try await outbound.write(.finished(finished))
                    delivered.withLockedValue { $0 = true }
                } catch let failure as CommandFailure {
                    try? await outbound.write(.failed(.init(message: failure.message, exitCode: failure.exitCode)))
                    throw failure
                } catch {
                    try? await outbound.write(.failed(.init(message: "\(error)", exitCode: ExitStatus.runFailed)))
                    throw error
                }
                // The coordinator closes the connection once it has the report.
                let deadline = Date().addingTimeInterval(Double(grace) / 1e9)
                while !inboundDone.withLockedValue({ $0 }), Date() < deadline {
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
                tasks.cancelAll()
            }
        }
    }

    /// Runs the slice in this process, through the same `run` code as a single-process run.
    func runAssignment(_ assignment: CoordinationMessage.Assignment, link: WorkerLink) async throws -> CoordinationMessage.Finished {
        let keep = output != nil
        let directory = URL(fileURLWithPath: output ?? (NSTemporaryDirectory() + "bgbfleet-worker-\(assignment.runID)-\(assignment.index)"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = assignment.arguments
        if let yaml = assignment.profileYAML {
            let name = (assignment.profileName ?? "profile").replacingOccurrences(of: "/", with: "_")
            let profileURL = directory.appendingPathComponent("\(name).profile.yaml")
            try Data(yaml.utf8).write(to: profileURL)
            arguments += ["--profile", profileURL.path]
        }
        if let key = generateIdentities {
            arguments += try await generateSlice(key: key, assignment: assignment, arguments: arguments)
        } else if let identities {
            arguments += ["--identities", identities]
        } else if let pool = assignment.identities, FileManager.default.fileExists(atPath: pool + "/manifest.json") {
            arguments += ["--identities", pool]
        }
        arguments += ["--shard", "\(assignment.index)/\(assignment.count)", "--output", directory.path]
        if assignment.quiet { arguments.append("--quiet") }
        let command: RunCommand
        do {
            command = try RunCommand.parse(arguments)
        } catch {
            throw CommandFailure.badInput("worker \(assignment.index): the coordinator's flags do not parse here: \(RunCommand.message(for: error))")
        }
        try await command.execute(link: link)

        let report: RunSummary
        do {
            report = try RunSummary.decode(json: Data(contentsOf: directory.appendingPathComponent(RunReportWriter.FileName.summaryJSON)))
        } catch {
            throw CommandFailure.runFailed("worker \(assignment.index): cannot read its own report in \(directory.path): \(error)")
        }
        func text(_ name: String) -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        let end = report.startTime.addingTimeInterval(report.durationSeconds).timeIntervalSince1970
        let finished = CoordinationMessage.Finished(
            endEpochNanoseconds: Int64(end * 1e9),
            counters: report.counters,
            plan: report.plan,
            sessionsCSV: text(RunReportWriter.FileName.sessions),
            pushesCSV: text(RunReportWriter.FileName.pushes),
            interrupted: report.interrupted,
            peakSignedIn: report.peakSignedIn
        )
        if !keep { try? FileManager.default.removeItem(at: directory) }
        return finished
    }

    /// Generates (or tops up) a pool holding this worker's slice only; the flags that make the run use it.
    func generateSlice(key: IdentityKeyOption, assignment: CoordinationMessage.Assignment, arguments: [String]) async throws -> [String] {
        let probe: RunCommand
        do {
            probe = try RunCommand.parse(arguments)
        } catch {
            throw CommandFailure.badInput("worker \(assignment.index): the coordinator's flags do not parse here: \(RunCommand.message(for: error))")
        }
        var profile = try probe.loadProfile()
        try probe.applyFlags(to: &profile)
        let slice = FleetPlan(
            sessionCount: profile.sessions, arrival: profile.arrival, sourceAddressRanges: profile.sourceAddresses,
            shard: assignment.index, shardCount: assignment.count
        ).slice
        let seed = identitySeed ?? assignment.runID
        guard !seed.isEmpty else { throw CommandFailure.badInput("--identity-seed: must not be empty") }
        let derivation = IdentityDerivation(seed: seed, firstIndex: slice.lowerBound)
        let base = identities ?? (RunCommand.cacheDirectory() + "/identity-slices-\(key.rawValue)")
        let path = base + "/" + derivation.directoryName
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            var pool = try IdentityPool.openOrCreate(at: URL(fileURLWithPath: path), keyType: key.keyType, derivation: derivation)
            if pool.count < slice.count {
                stderrLine("bgbfleet: worker \(assignment.index): generating \(slice.count - pool.count) \(key.rawValue) identities for sessions \(slice.lowerBound)…\(slice.upperBound - 1) (seed \(seed)) into \(path)")
                try await pool.generate(count: slice.count)
            }
        } catch let error as IdentityPoolError {
            throw CommandFailure.badInput("worker \(assignment.index): \(error)")
        }
        return ["--identities", path, "--identity-offset", String(slice.lowerBound)]
    }

    /// The coordinator is gone: stop the sessions, and exit after the grace period whatever happens.
    static func lost(_ link: WorkerLink, _ reason: String, grace: UInt64) {
        guard link.lostReason == nil else { return }
        stderrLine("bgbfleet: worker \(link.index): the coordinator is lost (\(reason)); closing sessions, exiting within \(DurationText.format(grace))")
        link.coordinatorLost(reason)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(grace) / 1e9)
            stderrLine("bgbfleet: worker \(link.index): grace period over: exiting")
            Foundation.exit(ExitStatus.runFailed)
        }
    }

    /// Connects, retrying once a second until `timeout`.
    static func connect(host: String, port: Int, timeout: UInt64, group: EventLoopGroup) async throws -> CoordinationChannel {
        let deadline = Date().addingTimeInterval(Double(timeout) / 1e9)
        var lastError: Error?
        repeat {
            do {
                return try await CoordinationTransport.connect(host: host, port: port, group: group)
            } catch {
                lastError = error
                try await Task.sleep(nanoseconds: 1_000_000_000)
            }
        } while Date() < deadline
        throw CommandFailure.runFailed("cannot reach the coordinator \(host):\(port) within \(DurationText.format(timeout)): \(lastError.map { "\($0)" } ?? "timed out")")
    }
}
