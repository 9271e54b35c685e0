import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Fires a trigger by running an admin's command (`trigger-command:` in a profile), once per
/// firing: how a site whose AdminService wants Windows integrated authentication (Negotiate/NTLM)
/// is driven, with `curl --negotiate -u :` or PowerShell's ConfigMgr cmdlets.
///
/// The command runs under `/bin/sh -c`, with the run's environment plus:
/// - `BGBFLEET_TRIGGER_TYPE`: the client operation Type (8 = Download Computer Policy, …);
/// - `BGBFLEET_TRIGGER_COLLECTION`: the target collection ID;
/// - `BGBFLEET_TRIGGER_RESOURCE_IDS_FILE`: a file of ResourceIDs, one per line (empty: the whole collection);
/// - `BGBFLEET_TRIGGER_RESOURCE_ID_COUNT`: how many lines that file has;
/// - `BGBFLEET_TRIGGER_PARAM`: the Param (Run Script's Base64 XML), only when the trigger has one;
/// - `BGBFLEET_TRIGGER_URL`: the AdminService base URL, when one is known.
///
/// It must print, on stdout, a JSON object with the `OperationID` (AdminService's own answer to
/// `InitiateClientOperation` qualifies: `{"OperationID": 16777301, "ReturnValue": 0}`) and exit 0.
/// A non-zero exit, a non-zero `ReturnValue`, an answer without `OperationID`, or no exit within
/// the time-out (`trigger-command-timeout`, default 60s; the command is then killed) fails the
/// trigger like any AdminService failure. Its stderr is kept for the error message (last 500 bytes).
public struct TriggerCommand: TriggerSender {
    public let command: String
    public let timeout: UInt64
    public let triggerURL: String?

    public init(command: String, timeout: UInt64 = 60_000_000_000, triggerURL: String? = nil) {
        precondition(timeout > 0, "a trigger command needs a positive time-out")
        self.command = command
        self.timeout = timeout
        self.triggerURL = triggerURL
    }

    public func initiateClientOperation(type: Int, collectionID: String, resourceIDs: [UInt32], param: String?) async throws -> UInt32 {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-trigger-\(UUID().uuidString).txt")
        let lines = resourceIDs.map { String($0) + "\n" }.joined()
        guard FileManager.default.createFile(atPath: file.path, contents: Data(lines.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TriggerCommandError.launch("cannot write \(file.path)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = ProcessInfo.processInfo.environment
        environment["BGBFLEET_TRIGGER_TYPE"] = String(type)
        environment["BGBFLEET_TRIGGER_COLLECTION"] = collectionID
        environment["BGBFLEET_TRIGGER_RESOURCE_IDS_FILE"] = file.path
        environment["BGBFLEET_TRIGGER_RESOURCE_ID_COUNT"] = String(resourceIDs.count)
        environment["BGBFLEET_TRIGGER_PARAM"] = param
        environment["BGBFLEET_TRIGGER_URL"] = triggerURL
        let output = try await run(environment: environment)
        return try Self.operationID(fromStdout: output)
    }

    public func operationStatus(id: UInt32) async throws -> [String: Any] {
        throw TriggerCommandError.noStatus
    }

    /// None: a trigger command is used where the AdminService cannot be called directly.
    public var adminService: AdminServiceClient? { nil }

    /// The OperationID of the command's stdout (a JSON object; surrounding lines are ignored).
    static func operationID(fromStdout output: Data) throws -> UInt32 {
        let text = String(decoding: output, as: UTF8.self)
        let candidates = [text] + text.split(whereSeparator: \.isNewline).reversed().map(String.init)
        for candidate in candidates {
            guard let data = candidate.trimmingCharacters(in: .whitespacesAndNewlines).data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { continue }
            if let returnValue = object["ReturnValue"] as? Int, returnValue != 0 {
                throw TriggerCommandError.returnValue(returnValue)
            }
            if let id = object["OperationID"] as? Int, id >= 0, id <= Int(UInt32.max) { return UInt32(id) }
            if let text = object["OperationID"] as? String, let id = UInt32(text) { return id }
        }
        throw TriggerCommandError.malformed(String(text.suffix(200)))
    }

    /// Runs the command; its stdout when it exits 0 within the time-out.
    func run(environment: [String: String]) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let exited = ExitBox()
        process.terminationHandler = { process in exited.finish(process.terminationStatus) }
        do {
            try process.run()
        } catch {
            throw TriggerCommandError.launch("\(error)")
        }
        let timeout = self.timeout
        let running = UncheckedProcess(process: process, stdout: stdout.fileHandleForReading, stderr: stderr.fileHandleForReading)
        let watchdog = Task {
            try await Task.sleep(nanoseconds: timeout)
            exited.timedOut()
            running.process.terminate()
            try await Task.sleep(nanoseconds: 2_000_000_000)
            if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) }
        }
        async let output = Self.readToEnd(running, error: false)
        async let errors = Self.readToEnd(running, error: true)
        let status = await exited.wait()
        watchdog.cancel()
        let (out, err) = await (output, errors)
        if exited.didTimeOut { throw TriggerCommandError.timeout(seconds: Double(timeout) / 1e9) }
        guard status == 0 else {
            throw TriggerCommandError.exit(status: status, stderr: String(decoding: err.suffix(500), as: UTF8.self))
        }
        return out
    }

    /// Reads one of the command's pipes to its end on a thread of its own (the read blocks).
    private static func readToEnd(_ running: UncheckedProcess, error: Bool) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let handle = error ? running.stderr : running.stdout
                continuation.resume(returning: (try? handle.readToEnd()) ?? Data())
            }
        }
    }
}

/// The process and its pipes, handed to the watchdog and the readers (Foundation's types are not
/// Sendable; each is used by one task at a time, `terminate` and `isRunning` are thread-safe).
private final class UncheckedProcess: @unchecked Sendable {
    let process: Process
    let stdout: FileHandle
    let stderr: FileHandle

    init(process: Process, stdout: FileHandle, stderr: FileHandle) {
        self.process = process
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The command's exit, awaited once.
private final class ExitBox: Sendable {
    private struct State {
        var status: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
        var timeoutFired = false
    }

    private let state = NIOLockedValueBox(State())

    func finish(_ code: Int32) {
        let waiting = state.withLockedValue { state in
            state.status = code
            defer { state.waiter = nil }
            return state.waiter
        }
        waiting?.resume(returning: code)
    }

    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = state.withLockedValue { state in
                if state.status == nil { state.waiter = continuation }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    func timedOut() {
        state.withLockedValue { state in
            if state.status == nil { state.timeoutFired = true }
        }
    }

    var didTimeOut: Bool {
        state.withLockedValue { $0.timeoutFired }
    }
}

/// Why a trigger command failed (counted and reported like an AdminService failure).
public enum TriggerCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    case launch(String)
    case exit(status: Int32, stderr: String)
    case timeout(seconds: Double)
    case malformed(String)
    case returnValue(Int)
    case noStatus

    public var description: String {
        switch self {
        case .launch(let reason): "the trigger command could not start: \(reason)"
        case .exit(let status, let stderr):
            "the trigger command exited with status \(status)" + (stderr.isEmpty ? "" : ": \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        case .timeout(let seconds): "the trigger command did not finish within \(seconds) s (killed)"
        case .malformed(let tail): "the trigger command printed no JSON object with an OperationID (stdout ends: \(tail))"
        case .returnValue(let value): "the trigger command reported ReturnValue \(value)"
        case .noStatus: "a trigger command cannot report operation status"
        }
    }
}
