import ArgumentParser
import BGBClient
import FleetIdentity
import FleetMetrics
import FleetRegistration
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IdentitiesCommand {
    /// `bgbfleet identities register --mp URL --identities DIR [--range A..B] [--concurrency N] [--rate N]`
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register identities with an MP (CCM_POST /ccm_system/request) and record the SMSIDs it assigns.",
            discussion: """
                Sends each identity's signed ClientRegistrationRequest, as the ConfigMgr SDK does, and \
                records the assigned SMSID, approval status, MP and time in the pool (registration files \
                are replaced atomically, so Ctrl-C never leaves the pool inconsistent; run the same \
                command again to finish). Identities already registered with the same MP are skipped \
                unless --force. Connection errors and 5xx answers are retried with backoff. RSA \
                identities only: ConfigMgr registration is RSA-signed.
                """
        )

        @Option(help: "The MP: http://host[:port][/path] or https://… (path default /ccm_system/request).")
        var mp: String

        @Option(name: [.customLong("identities"), .customLong("out")], help: ArgumentHelp("The pool directory.", valueName: "dir"))
        var out: String

        @Option(help: "Identity indexes: A..B (A up to, not including, B) or A...B (B included). Default: the whole pool.")
        var range: String?

        @Option(help: "Registrations in flight at once.")
        var concurrency: Int = 16

        @Option(help: "Registration requests per second, retries included (spec default 50).")
        var rate: Double = 50

        @Option(help: "Attempts per identity (connection errors and 5xx are retried).")
        var attempts: Int = 5

        @Option(help: "Wait this long after the last registration before exiting, so that a run starting next finds them committed (spec §5.7; 0s against the simulator).")
        var settle: String = "5s"

        @Flag(help: "Register identities already registered with this MP again.")
        var force = false

        @OptionGroup(title: "MP trust (https:// only)")
        var mpTrust: MPTrustOptions

        func validate() throws {
            guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
            guard rate > 0 else { throw ValidationError("--rate must be positive") }
            guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1") }
            guard DurationText.nanoseconds(settle) != nil else { throw ValidationError("--settle \(settle): not a duration (e.g. 5s)") }
        }

        func run() async throws {
            let pool = try poolCall(out) { try IdentityPool.open(at: URL(fileURLWithPath: out)) }
            guard pool.keyType == .rsa2048 else {
                throw CommandFailure.badInput(
                    "pool \(out) holds \(pool.keyType) identities: ConfigMgr registration needs RSA keys (bgbfleet identities generate --key rsa2048)"
                )
            }
            let indexes = try parseRange(range, count: pool.count)
            var tls = BGBTLSOptions(minimumVersion: .tls10, maximumVersion: .tls13)
            if let validation = try mpTrust.serverValidation() { tls.serverValidation = validation }
            let target: RegistrationTarget
            let client: RegistrationClient
            do {
                target = try RegistrationTarget(url: mp)
                client = try RegistrationClient(
                    target: target,
                    options: .init(attempts: attempts),
                    rateLimiter: RegistrationRateLimiter(perSecond: rate),
                    tls: tls
                )
            } catch {
                throw CommandFailure.badInput("--mp \(mp): \(error)")
            }
            stderrLine("registering identities \(indexes.lowerBound)..<\(indexes.upperBound) of \(pool.directory.path) with \(target) (\(concurrency) at a time, \(rate)/s)")

            let progress = RegistrationProgressDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
            let task = Task {
                try await pool.register(range: indexes, client: client, concurrency: concurrency, force: force) {
                    progress.update($0)
                }
            }
            signal(SIGINT, SIG_IGN)
            let interrupted = GenerationStopFlag()
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            interrupt.setEventHandler {
                if interrupted.isStopped {
                    stderrLine("\ninterrupted again: exiting now (registrations already recorded are complete)")
                    _exit(130)
                }
                interrupted.stop()
                stderrLine("\nstopping: no new registrations; recording the replies that arrived (Ctrl-C again to exit at once)")
                task.cancel()
            }
            interrupt.resume()
            defer {
                interrupt.cancel()
                signal(SIGINT, SIG_DFL)
            }
            let report = try await poolCall(out) { try await task.value }
            progress.finish()

            let reasons = report.failuresByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("""
                registered \(report.registered) (approved \(report.approved), pending \(report.pending), other \(report.otherApproval)); \
                skipped \(report.skipped) already registered; failed \(report.failures.count)\(reasons.isEmpty ? "" : " (\(reasons))"); \
                not attempted \(report.notAttempted); retries \(report.retries)
                """)
            for failure in report.failures.prefix(50) {
                print("  identity \(failure.index): \(failure.error)")
            }
            if report.failures.count > 50 { print("  … and \(report.failures.count - 50) more") }
            if interrupted.isStopped { throw ExitCode(130) }
            let settleNanoseconds = DurationText.nanoseconds(settle) ?? 0
            if report.registered > 0, settleNanoseconds > 0, let last = report.lastRegisteredAt {
                let remaining = Double(settleNanoseconds) / 1e9 - Date().timeIntervalSince(last)
                if remaining > 0 {
                    stderrLine("waiting \(String(format: "%.1f", remaining)) s for the MP to commit the registrations (--settle 0s skips)")
                    try? await Task.sleep(nanoseconds: UInt64(remaining * 1e9))
                }
            }
            if !report.failures.isEmpty { throw ExitCode(ExitStatus.runFailed) }
        }

        func parseRange(_ text: String?, count: Int) throws -> Range<Int> {
            guard let text else { return 0..<count }
            let inclusive = text.contains("...")
            let parts = text.components(separatedBy: inclusive ? "..." : (text.contains("..<") ? "..<" : ".."))
            guard parts.count == 2, let lower = Int(parts[0]), let upperValue = Int(parts[1]) else {
                throw CommandFailure.badInput("--range \(text): use A..B (B excluded) or A...B (B included)")
            }
            let upper = inclusive ? upperValue + 1 : upperValue
            guard lower >= 0, lower <= upper, upper <= count else {
                throw CommandFailure.badInput("--range \(text): the pool holds identities 0..<\(count)")
            }
            return lower..<upper
        }
    }
}
