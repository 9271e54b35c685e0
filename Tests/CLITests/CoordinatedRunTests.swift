import Foundation
import Testing

@testable import bgbfleet
import FleetMetrics

/// A coordinator and workers as separate processes of the built binary, on loopback: the same
/// code as pods of a Kubernetes run.
@Suite("Coordinated runs", .serialized)
struct CoordinatedRunTests {
    /// A process of the binary whose output is collected as it comes.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var collected = ""

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = CLITests.binary
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self else { return }
                self.lock.lock()
                self.collected += String(decoding: data, as: UTF8.self)
                self.lock.unlock()
            }
            try process.run()
        }

        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return collected
        }

        /// Waits until the output contains `needle`.
        func waitFor(_ needle: String, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if text.contains(needle) { return true }
                usleep(50_000)
            }
            return false
        }

        /// Waits for the exit; nil if still running at the deadline.
        func waitExit(timeout: TimeInterval) -> Int32? {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { return nil }
            process.waitUntilExit()
            usleep(100_000)
            return process.terminationStatus
        }

        func kill(_ signal: Int32 = SIGKILL) { _ = Foundation.kill(process.processIdentifier, signal) }

        deinit {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }

    static let pool: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-coordinated-pool-\(getpid())")
        let result = try? CLITests.run(["identities", "generate", "--count", "60", "--out", directory.path, "--key", "p256"], timeout: 120)
        precondition(result?.status == 0, "pool generation failed: \(result?.stderr ?? "")")
        return directory
    }()

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// 30 sessions, keep-alives every second, a push to all at 2 s; the coordinator hands it to the workers.
    static let profile: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-coordinated-\(getpid()).yaml")
        let yaml = """
            sessions: 30
            rate: 200
            duration: 5s
            keepalive: 1s
            triggers:
              - at: 2s
                type: 8
                targets: all
            thresholds:
              - delivery>=99.9%
            """
        try! Data(yaml.utf8).write(to: url)
        return url
    }()

    static func outputDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
    }

    /// Starts a coordinator for `workers` workers and the workers `indices`.
    static func start(workers: Int, indices: [Int], output: URL, extra: [String] = [], workerExtra: [String] = []) throws -> (Running, [Running]) {
        let port = freePort()
        let coordinator = try Running(
            ["run", "--workers", String(workers), "--listen", "127.0.0.1:\(port)", "--profile", profile.path,
             "--output", output.path, "--quiet"] + extra
        )
        let started = try indices.map { index in
            try Running(["worker", "--coordinator", "127.0.0.1:\(port)", "--index", String(index), "--identities", pool.path] + workerExtra)
        }
        return (coordinator, started)
    }

    @Test("three workers: the merged report is the exact sum of the workers', and they start within 50 ms of each other")
    func mergedReportIsTheSum() throws {
        let output = Self.outputDirectory("coordinated")
        defer { try? FileManager.default.removeItem(at: output) }
        let (coordinator, workers) = try Self.start(workers: 3, indices: [0, 1, 2], output: output, extra: ["--duration", "4s"])
        let status = coordinator.waitExit(timeout: 120)
        #expect(status == 0, "\(coordinator.text)")
        for worker in workers { #expect(worker.waitExit(timeout: 30) == 0, "\(worker.text)") }

        let merged = try RunReport.load(from: output)
        let parts = try (0..<3).map { try RunReport.load(from: output.appendingPathComponent("worker-\($0)")) }
        var counters = CounterSnapshot()
        for part in parts { counters.merge(part.summary.counters) }
        #expect(merged.summary.counters == counters)
        #expect(counters[.keepalivesSent] > 0)
        #expect(counters[.pushesTargeted] == 30, "each worker's push reached its 10 sessions")
        #expect(counters[.responsesSent] == 30)
        #expect(merged.pushes.count == 1, "one trigger, merged from the workers' rows")
        #expect(parts.map(\.sessions.count) == [10, 10, 10])
        for metric in MetricName.allCases {
            var sum = HistogramSnapshot()
            for part in parts { sum.merge(try part.total(metric)) }
            #expect(try merged.total(metric) == sum, "\(metric)")
        }
        #expect(try merged.total(.connect).totalCount == 30)
        #expect(merged.summary.plan["workers"] == "3")
        #expect(merged.summary.plan["workers_lost"] == "0")
        let skew = try #require(merged.summary.plan["start_skew_ms"].flatMap(Double.init))
        #expect(skew <= 50, "start skew \(skew) ms")
        #expect(coordinator.text.contains("start skew across 3 workers"))
    }

    @Test("--generate-identities: each worker derives its slice from the run ID and its first session, and a second run with that ID reuses it")
    func derivedSlices() throws {
        let base = Self.outputDirectory("slices")
        defer { try? FileManager.default.removeItem(at: base) }
        var runs: [(smsids: [String], workerText: String)] = []
        for attempt in 0..<2 {
            let output = Self.outputDirectory("derived-\(attempt)")
            defer { try? FileManager.default.removeItem(at: output) }
            let port = Self.freePort()
            let coordinator = try Running(
                ["run", "--workers", "2", "--listen", "127.0.0.1:\(port)", "--profile", Self.profile.path,
                 "--output", output.path, "--quiet", "--sessions", "20", "--duration", "3s"],
                environment: ["BGBFLEET_RUN_ID": "derived-test-run"]
            )
            let workers = try (0..<2).map { index in
                try Running(["worker", "--coordinator", "127.0.0.1:\(port)", "--index", String(index),
                             "--generate-identities", "p256", "--identities", base.path])
            }
            #expect(coordinator.waitExit(timeout: 120) == 0, "\(coordinator.text)")
            for worker in workers { #expect(worker.waitExit(timeout: 30) == 0, "\(worker.text)") }
            let merged = try RunReport.load(from: output)
            runs.append((merged.sessions.map(\.smsid).sorted(), workers.map(\.text).joined()))
        }
        #expect(runs[0].smsids.count == 20)
        #expect(Set(runs[0].smsids).count == 20, "no two workers minted the same SMSID")
        #expect(runs[0].workerText.contains("generating 10 p256 identities for sessions 0…9 (seed derived-test-run)"), "\(runs[0].workerText)")
        #expect(runs[0].workerText.contains("generating 10 p256 identities for sessions 10…19"))
        #expect(!runs[1].workerText.contains("generating"), "the second run reuses the slices: \(runs[1].workerText)")
        #expect(runs[1].smsids == runs[0].smsids)
        let pools = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
        #expect(pools.count == 2 && pools[0].hasSuffix("-from-0") && pools[1].hasSuffix("-from-10"), "\(pools)")
    }

    @Test("a worker killed mid-run is reported lost, its data so far kept, and the run exits 1")
    func workerLost() throws {
        let output = Self.outputDirectory("coordinated-lost")
        defer { try? FileManager.default.removeItem(at: output) }
        let (coordinator, workers) = try Self.start(workers: 3, indices: [0, 1, 2], output: output, extra: ["--duration", "8s"])
        #expect(coordinator.waitFor("every worker started", timeout: 90), "\(coordinator.text)")
        Thread.sleep(forTimeInterval: 3)
        workers[2].kill()
        let status = coordinator.waitExit(timeout: 90)
        #expect(status == 1, "\(coordinator.text)")
        #expect(coordinator.text.contains("worker 2 lost"))
        let merged = try RunReport.load(from: output)
        #expect(merged.summary.plan["workers_lost"] == "1")
        let lost = try RunReport.load(from: output.appendingPathComponent("worker-2"))
        #expect(lost.summary.plan["lost"] != nil)
        #expect(try lost.total(.connect).totalCount == 10, "the lost worker's connects up to its loss are kept")
        #expect(try merged.total(.connect).totalCount == 30)
        for worker in workers.prefix(2) { #expect(worker.waitExit(timeout: 30) == 0) }
    }

    @Test("with --tolerate-worker-loss 1 a lost worker does not fail the run")
    func workerLossTolerated() throws {
        let output = Self.outputDirectory("coordinated-tolerated")
        defer { try? FileManager.default.removeItem(at: output) }
        let (coordinator, workers) = try Self.start(
            workers: 2, indices: [0, 1], output: output, extra: ["--duration", "6s", "--tolerate-worker-loss", "1"]
        )
        #expect(coordinator.waitFor("every worker started", timeout: 90), "\(coordinator.text)")
        Thread.sleep(forTimeInterval: 2)
        workers[1].kill()
        #expect(coordinator.waitExit(timeout: 90) == 0, "\(coordinator.text)")
        #expect(coordinator.text.contains("lost, tolerated"))
    }

    @Test("a coordinator killed mid-run leaves no worker running after the grace period")
    func coordinatorLost() throws {
        let output = Self.outputDirectory("coordinated-orphans")
        defer { try? FileManager.default.removeItem(at: output) }
        let (coordinator, workers) = try Self.start(
            workers: 3, indices: [0, 1, 2], output: output, extra: ["--duration", "60s"], workerExtra: ["--coordinator-grace", "5s"]
        )
        #expect(coordinator.waitFor("every worker started", timeout: 90), "\(coordinator.text)")
        Thread.sleep(forTimeInterval: 1)
        coordinator.kill()
        for worker in workers {
            let status = worker.waitExit(timeout: 5 + 5)
            #expect(status == 1, "\(worker.text)")
            #expect(worker.text.contains("the coordinator is lost"))
        }
    }

    @Test("a worker that never registers is named, and the run exits 2")
    func neverRegistered() throws {
        let output = Self.outputDirectory("coordinated-missing")
        defer { try? FileManager.default.removeItem(at: output) }
        let (coordinator, workers) = try Self.start(
            workers: 2, indices: [0], output: output, extra: ["--duration", "3s", "--register-timeout", "2s"]
        )
        #expect(coordinator.waitExit(timeout: 60) == 2, "\(coordinator.text)")
        #expect(coordinator.text.contains("worker(s) 1 never registered"))
        // The worker that did register is told to stop and exits.
        #expect(workers[0].waitExit(timeout: 30) != nil)
    }

    @Test("--processes runs local workers through the same protocol")
    func localProcesses() throws {
        let output = Self.outputDirectory("processes")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try CLITests.run(
            ["run", "--processes", "2", "--profile", Self.profile.path, "--sessions", "20", "--duration", "4s", "--identities", Self.pool.path,
             "--output", output.path, "--quiet"],
            timeout: 120
        )
        #expect(result.status == 0, "\(result.stderr)")
        let merged = try RunReport.load(from: output)
        let parts = try (0..<2).map { try RunReport.load(from: output.appendingPathComponent("worker-\($0)")) }
        #expect(try merged.total(.connect).totalCount == 20)
        #expect(parts.map(\.sessions.count) == [10, 10])
        #expect(merged.summary.plan["workers"] == "2")
        #expect(merged.summary.counters[.responsesSent] == 20, "the push at 2 s reached every session of both workers")
    }
}
