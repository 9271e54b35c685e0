import ArgumentParser
import FleetEngine
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers

/// `bgbfleet run --processes N`: the plan runs as N shard processes of this binary on this host
/// (identities and source addresses split deterministically by the plan), with one merged live
/// view and one merged report. How one machine gets past the per-process file limit.
///
/// Each shard is a full `bgbfleet run --shard i/N`: against an MP given with `--mp` all shards
/// share its connection and the first shard sends the triggers (the others time the same
/// schedule); without `--mp` each shard runs its own embedded simulator on its own ports, which is
/// how the simulator scales past one process too.
struct ShardedRun {
    let processes: Int
    let profile: FleetProfile
    let poolPath: String
    let output: URL
    let forwardedArguments: [String]
    let prometheus: String?
    let quiet: Bool

    /// Removes the options the parent owns from its own command line.
    static func forwardable(_ arguments: [String]) -> [String] {
        let owned: Set<String> = ["--processes", "--output", "--identities", "--prometheus", "--shard", "--run-start"]
        let ownedFlags: Set<String> = ["--quiet", "--status-json"]
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if owned.contains(name) {
                index += argument.contains("=") ? 1 : 2
                continue
            }
            if ownedFlags.contains(argument) {
                index += 1
                continue
            }
            result.append(argument)
            index += 1
        }
        return result
    }

    func run(thresholds: [Threshold]) async throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let runStart = Int64(Date().timeIntervalSince1970 * 1e9) + 2_000_000_000 + Int64(processes) * 200_000_000
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        stderrLine("bgbfleet: \(profile.sessions) sessions (\(profile.name)) as \(processes) processes; reports in \(output.path)")

        let statuses = NIOLockedValueBox([Int: ShardStatus]())
        var children: [Process] = []
        for shard in 0..<processes {
            let process = Process()
            process.executableURL = executable
            var arguments = ["run"] + forwardedArguments
            arguments += [
                "--shard", "\(shard)/\(processes)", "--run-start", String(runStart),
                "--output", output.appendingPathComponent("shard-\(shard)").path, "--identities", poolPath,
                "--status-json",
            ]
            if let prometheus, let (host, port) = PrometheusServer.parse(prometheus) {
                arguments += ["--prometheus", "\(host):\(port + shard)"]
            }
            process.arguments = arguments
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            let lines = LineSplitter()
            stdout.fileHandleForReading.readabilityHandler = { handle in
                for line in lines.feed(handle.availableData) {
                    if let status = ShardStatus.parse(line) {
                        statuses.withLockedValue { $0[status.shard] = status }
                    }
                }
            }
            let errorLines = LineSplitter()
            stderr.fileHandleForReading.readabilityHandler = { handle in
                for line in errorLines.feed(handle.availableData) where !line.isEmpty {
                    stderrLine("[shard \(shard)] \(line)")
                }
            }
            try process.run()
            children.append(process)
        }
        let pids = children.map(\.processIdentifier)
        let signals = SignalHandler {
            for pid in pids { kill(pid, SIGINT) }
        }
        defer { signals.cancel() }

        // The merged live line, once a second, until every shard has exited.
        let live = LiveViewPrinter(enabled: !quiet)
        var previous = CounterSnapshot()
        var lastLine = ""
        // The most sessions signed in at once across the shards (sampled once a second).
        var peakSignedIn: Int64 = 0
        while children.contains(where: { $0.isRunning }) {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let snapshot = statuses.withLockedValue { $0 }
            guard !snapshot.isEmpty else { continue }
            var counters = CounterSnapshot()
            var response = HistogramSnapshot()
            var elapsed = 0.0
            for status in snapshot.values {
                counters.merge(status.counters)
                if let text = status.response, let histogram = try? HistogramSnapshot.decodeCompressedBase64(text) {
                    response.merge(histogram)
                }
                elapsed = max(elapsed, status.elapsed)
            }
            peakSignedIn = max(peakSignedIn, counters[state: .signedIn])
            let interval = IntervalRecord(start: elapsed - 1, length: 1, histograms: [.response: response], counters: counters)
            lastLine =
                LiveLine.render(elapsed: elapsed, interval: interval, previous: previous, total: profile.sessions)
                + " | \(snapshot.count)/\(processes) shards"
            live.show(lastLine, final: false)
            previous = counters
        }
        live.show(lastLine, final: true)
        // A shard that was interrupted (130 SIGINT, 143 SIGTERM, from us or from the terminal)
        // still wrote its reports: merge them and mark the run interrupted.
        let interruptedStatuses: Set<Int32> = [128 + SIGINT, 128 + SIGTERM]
        let interruptedShards = children.filter { $0.terminationReason == .exit && interruptedStatuses.contains($0.terminationStatus) }
        let failed = children.enumerated().filter {
            $0.element.terminationStatus != 0 && !($0.element.terminationReason == .exit && interruptedStatuses.contains($0.element.terminationStatus))
        }
        if !failed.isEmpty {
            throw CommandFailure.runFailed(
                "shard process(es) \(failed.map { "\($0.offset) (exit \($0.element.terminationStatus))" }.joined(separator: ", ")) failed; "
                    + "their reports, if any, are under \(output.path)"
            )
        }

        // One merged report.
        let reports: [RunReport]
        do {
            reports = try (0..<processes).map { shard in
                try RunReport.load(from: output.appendingPathComponent("shard-\(shard)"))
            }
        } catch {
            throw CommandFailure.runFailed("cannot read a shard's report: \(error)")
        }
        var merged: RunReport
        do {
            merged = try RunReport.merge(reports)
            if signals.received != nil || !interruptedShards.isEmpty { merged.summary.interrupted = true }
            if peakSignedIn > 0 { merged.summary.peakSignedIn = peakSignedIn }
            try merged.write(to: output)
        } catch {
            throw CommandFailure.runFailed("cannot merge the shards' reports into \(output.path): \(error)")
        }
        let results = thresholds.map { $0.evaluate(merged.summary) }
        let html = RunReportFinish.finish(directory: output, summary: merged.summary, results: results)
        print(SummaryTable.render(merged.summary))
        if !results.isEmpty { print(ThresholdTable.render(results)) }
        print("reports: \(output.path) (merged from \(processes) shards under shard-N/)")
        if let html { print("report: \(html.path)") }
        if merged.summary.interrupted {
            // Our own signal decides the status; else the first interrupted shard's (130 or 143).
            let status = signals.exitStatus ?? interruptedShards.first?.terminationStatus ?? 128 + SIGINT
            stderrLine("bgbfleet: the run was interrupted; its reports cover the \(String(format: "%.1f", merged.summary.durationSeconds)) s it ran")
            throw ExitCode(status)
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(ExitStatus.thresholdFailed) }
    }
}

/// Splits a byte stream into lines.
final class LineSplitter: @unchecked Sendable {
    private let lock = NIOLock()
    private var pending = Data()

    func feed(_ data: Data) -> [Substring] {
        lock.withLock {
            pending.append(data)
            guard let text = String(data: pending, encoding: .utf8), let lastNewline = text.lastIndex(of: "\n") else {
                return []
            }
            let complete = text[..<lastNewline]
            pending = Data(text[text.index(after: lastNewline)...].utf8)
            return complete.split(separator: "\n", omittingEmptySubsequences: false)
        }
    }
}
