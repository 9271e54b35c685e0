import ArgumentParser
import FleetEngine
import FleetMetrics
import FleetSupport
import Foundation
import NIOCore
import NIOPosix

extension RunCommand {
    /// Runs the plan on `workers` worker processes, this process coordinating: local ones
    /// (`--processes`, `localPool` set) or ones on other hosts (`--workers`).
    func coordinate(profile: FleetProfile, workers: Int, thresholds: [Threshold], localPool: String? = nil) async throws {
        let local = localPool != nil
        var (host, port) = ("127.0.0.1", 0)
        var registration: UInt64 = 60_000_000_000
        if !local {
            (host, port) = try coordination.listenEndpoint()
            registration = try coordination.registrationTimeout()
        }
        let tolerated = try coordination.toleratedLoss()
        var profileYAML: String?
        if let path = self.profile {
            do {
                profileYAML = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CommandFailure.badInput("profile \(path): \(error)")
            }
        }
        let output = URL(fileURLWithPath: profile.output ?? Self.defaultOutputDirectory())
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure.badInput("--output \(output.path): \(error)")
        }
        let runID = ProcessInfo.processInfo.environment["BGBFLEET_RUN_ID"] ?? output.lastPathComponent
        let arguments = Array(CommandLine.arguments.drop { $0 != "run" }.dropFirst())
        let exporter = PrometheusExporter(mp: profile.mp ?? "embedded", runID: runID)
        let coordinator = Coordinator(
            configuration: .init(
                workerCount: workers, runID: runID, profile: profile, profileYAML: profileYAML,
                profileName: self.profile.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent },
                arguments: ShardedRun.forwardable(arguments), localPool: localPool, localWorkers: local,
                output: output, registrationTimeout: registration, quiet: quiet
            ),
            exporter: exporter
        )
        let group = MultiThreadedEventLoopGroup.singleton
        let server: NIOAsyncChannel<CoordinationChannel, Never>
        do {
            server = try await CoordinationTransport.listen(host: host, port: port, group: group)
        } catch {
            throw CommandFailure.badInput("--listen \(host):\(port): cannot listen: \(error)")
        }
        let boundPort = server.channel.localAddress?.port ?? port
        var prometheusServer: PrometheusServer?
        if let prometheus {
            guard let (metricsHost, metricsPort) = PrometheusServer.parse(prometheus) else {
                throw CommandFailure.badInput("--prometheus \(prometheus): expected ADDR:PORT, e.g. 127.0.0.1:9464")
            }
            do {
                prometheusServer = try await PrometheusServer.start(host: metricsHost, port: metricsPort, exporter: exporter, group: group)
            } catch {
                throw CommandFailure.badInput("--prometheus \(prometheus): cannot listen: \(error)")
            }
            stderrLine("bgbfleet: Prometheus metrics on http://\(prometheus)/metrics")
        }
        defer { if let prometheusServer { Task { await prometheusServer.shutdown() } } }
        if local {
            stderrLine("bgbfleet: \(profile.sessions) sessions (\(profile.name)) as \(workers) worker processes; reports in \(output.path)")
        } else {
            stderrLine("bgbfleet: \(profile.sessions) sessions (\(profile.name)) on \(workers) workers; waiting for them on \(host):\(boundPort) (run ID \(runID)); reports in \(output.path)")
        }
        let children = local ? try ShardedRun.spawnWorkers(count: workers, port: boundPort) : []
        let signals = InterruptHandler.run(shard: false) { Task { await coordinator.stopRequested() } }
        defer { signals.cancel() }

        let outcome: Coordinator.Outcome = try await server.executeThenClose { inbound in
            try await withThrowingTaskGroup(of: Coordinator.Outcome?.self) { tasks in
                tasks.addTask {
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await channel in inbound {
                            connections.addTask { await coordinator.serve(channel) }
                        }
                    }
                    return nil
                }
                tasks.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(nanoseconds: 1_000_000_000)
                        await coordinator.tick()
                    }
                    return nil
                }
                tasks.addTask {
                    for await outcome in coordinator.outcomes { return outcome }
                    return nil
                }
                var result: Coordinator.Outcome?
                while result == nil, let next = try await tasks.next() { result = next }
                coordinator.closeAll()
                tasks.cancelAll()
                return result ?? .aborted(.notReady([]))
            }
        }
        coordinator.live.show("", final: true)
        await ShardedRun.reap(children, within: 30)

        let state = coordinator.state
        switch outcome {
        case .aborted(let abort):
            switch abort {
            case .neverRegistered(let missing):
                throw CommandFailure.badInput("worker(s) \(missing.map(String.init).joined(separator: ", ")) never registered within \(DurationText.format(registration)) (coordinator on \(host):\(boundPort))")
            case .workerFailed(let index, let failure):
                if index < 0 { throw ExitCode(failure.exitCode) }
                throw CommandFailure(message: "worker \(index): \(failure.message)", exitCode: failure.exitCode)
            case .lostBeforeStart(let index, let reason):
                throw CommandFailure.runFailed("worker \(index) went away before the start (\(reason))")
            case .notReady(let late):
                throw CommandFailure.runFailed("worker(s) \(late.map(String.init).joined(separator: ", ")) were not ready in time")
            }
        case .complete:
            break
        }

        // One merged report, identical in form to a single process's; the workers' under worker-N/.
        let merged: RunReport
        do {
            let reports = try (0..<workers).map { index in try RunReport.load(from: coordinator.workerDirectory(index)) }
            merged = try RunReport.merge(reports)
        } catch {
            throw CommandFailure.runFailed("cannot merge the workers' reports under \(output.path): \(error)")
        }
        var report = merged
        // The merged timeline sums every worker's sessions on one grid: its maximum is the peak.
        if let peak = report.timeline.map({ $0.counters[state: .signedIn] }).max(), peak > 0 { report.summary.peakSignedIn = peak }
        if signals.received != nil { report.summary.interrupted = true }
        let lost = state.lostWorkers
        report.summary.plan["workers"] = String(workers)
        report.summary.plan["workers_lost"] = String(lost.count)
        if !lost.isEmpty {
            report.summary.plan["workers_lost_detail"] = lost.map { "\($0.index): \($0.reason)" }.joined(separator: "; ")
        }
        if let skew = state.startSkewNanoseconds {
            report.summary.plan["start_skew_ms"] = String(format: "%.3f", Double(skew) / 1e6)
        }
        let uncertainty = state.workers.values.map(\.clock.uncertaintyNanoseconds).max() ?? 0
        report.summary.plan["clock_offset_uncertainty_ms"] = String(format: "%.3f", Double(uncertainty) / 1e6)
        report.summary.plan["run_id"] = runID
        do {
            try report.write(to: output)
        } catch {
            throw CommandFailure.runFailed("cannot write the merged report into \(output.path): \(error)")
        }
        let results = thresholds.map { $0.evaluate(report.summary) }
        let html = RunReportFinish.finish(directory: output, summary: report.summary, results: results)
        print(SummaryTable.render(report.summary))
        print(profile.tls.validationSummary)
        if profile.triggerTLS == .insecure { print(profile.triggerTLS.description) }
        if !results.isEmpty { print(ThresholdTable.render(results)) }
        if let skew = state.startSkewNanoseconds {
            print(String(format: "start skew across %d workers: %.1f ms (clock offsets known to ±%.1f ms)", workers, Double(skew) / 1e6, Double(uncertainty) / 1e6))
        }
        print("reports: \(output.path) (merged from \(workers) workers under worker-N/)")
        if let html { print("report: \(html.path)") }
        if report.summary.interrupted {
            // Our own signal decides the status; a worker's own interruption reads as SIGINT's.
            stderrLine("bgbfleet: the run was interrupted; its reports cover the \(String(format: "%.1f", report.summary.durationSeconds)) s it ran")
            throw ExitCode(signals.exitStatus ?? 128 + SIGINT)
        }
        if !lost.isEmpty {
            let names = lost.map { "worker \($0.index) (\($0.reason))" }.joined(separator: ", ")
            if lost.count > tolerated {
                throw CommandFailure.runFailed("\(lost.count) worker(s) lost: \(names); their data up to then is in the report (--tolerate-worker-loss \(tolerated))")
            }
            stderrLine("bgbfleet: \(lost.count) worker(s) lost, tolerated: \(names)")
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(ExitStatus.thresholdFailed) }
    }
}
