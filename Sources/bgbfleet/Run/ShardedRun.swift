import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// `bgbfleet run --processes N`: N local `bgbfleet worker` processes of this binary, coordinated
/// by this process exactly as workers on other hosts are (the same protocol over loopback).
enum ShardedRun {
    /// Removes the options the coordinator owns from its own command line; the rest go to every
    /// worker.
    static func forwardable(_ arguments: [String]) -> [String] {
        let owned: Set<String> = [
            "--processes", "--output", "--identities", "--prometheus", "--shard", "--run-start", "--profile",
            "--workers", "--listen", "--register-timeout", "--tolerate-worker-loss",
        ]
        let ownedFlags: Set<String> = ["--quiet"]
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

    /// The environment variable that tells a local worker how many workers share its host.
    static let localWorkersVariable = "BGBFLEET_LOCAL_WORKERS"

    /// The environment of local worker `index` of `count` on `cores` cores: this process's, with
    /// `NIO_SINGLETON_GROUP_LOOP_COUNT` set to the worker's share of the cores (the remainder to
    /// the first workers; at least one), unless it is set already, and ``localWorkersVariable``.
    /// Without the loop count each worker would start one event loop per core, N workers N times
    /// as many loops as there are cores (1,616 threads for 101 workers on 16 cores).
    static func workerEnvironment(_ base: [String: String], index: Int, count: Int, cores: Int) -> [String: String] {
        precondition(count >= 1 && (0..<count).contains(index), "worker \(index) of \(count)")
        var environment = base
        if environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            let share = cores / count + (index < cores % count ? 1 : 0)
            environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] = String(max(1, share))
        }
        environment[localWorkersVariable] = String(count)
        return environment
    }

    /// In a local worker: how many workers share this host (nil when not started by `--processes`).
    static func localWorkerCount(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        environment[localWorkersVariable].flatMap(Int.init).flatMap { $0 >= 1 ? $0 : nil }
    }

    /// Starts `count` workers of this binary against the coordinator on `port`; their output is
    /// forwarded to stderr, prefixed.
    static func spawnWorkers(count: Int, port: Int) throws -> [Process] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var children: [Process] = []
        for index in 0..<count {
            let process = Process()
            process.executableURL = executable
            process.environment = workerEnvironment(ProcessInfo.processInfo.environment, index: index, count: count, cores: System.coreCount)
            process.arguments = ["worker", "--coordinator", "127.0.0.1:\(port)", "--index", String(index), "--connect-timeout", "30s"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            let lines = LineSplitter()
            output.fileHandleForReading.readabilityHandler = { handle in
                for line in lines.feed(handle.availableData) where !line.isEmpty {
                    stderrLine("[worker \(index)] \(line)")
                }
            }
            try process.run()
            children.append(process)
        }
        return children
    }

    /// Waits (bounded) for the workers to exit, then kills any left.
    static func reap(_ children: [Process], within seconds: Double) async {
        let deadline = Date().addingTimeInterval(seconds)
        while children.contains(where: \.isRunning), Date() < deadline {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        for child in children where child.isRunning {
            stderrLine("bgbfleet: worker process \(child.processIdentifier) did not exit: killing it")
            kill(child.processIdentifier, SIGKILL)
        }
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
