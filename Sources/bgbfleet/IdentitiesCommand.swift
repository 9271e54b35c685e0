import ArgumentParser
import BGBClient
import FleetEngine
import FleetIdentity
import FleetMetrics
import FleetSupport
import Foundation
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bgbfleet identities`: build and inspect the on-disk identity pool.
struct IdentitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identities",
        abstract: "Generate, register and inspect the pool of client identities (SMSID, SMS certificate, key).",
        subcommands: [Generate.self, Import.self, Register.self, List.self, Show.self, Cleanup.self]
    )
}

/// `--key` values.
enum IdentityKeyOption: String, ExpressibleByArgument, CaseIterable {
    case rsa2048
    case p256

    var keyType: IdentityKeyType {
        switch self {
        case .rsa2048: return .rsa2048
        case .p256: return .p256
        }
    }
}

extension IdentitiesCommand {
    /// `bgbfleet identities generate --count N --identities DIR [--key rsa2048|p256] [--jobs N]`
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a pool directory with N identities (resumable; extends an existing pool).",
            discussion: """
                Runs on all cores. Existing identities are kept as they are; only missing chunks \
                are generated, so an interrupted run (Ctrl-C) is resumed by running the same command \
                again. A pool never shrinks and keeps its key type.
                """
        )

        @Option(help: "The total number of identities the pool should hold.")
        var count: Int

        @Option(name: [.customLong("identities"), .customLong("out")], help: ArgumentHelp("The pool directory (created with mode 0700 if missing; its parent must exist).", valueName: "dir"))
        var out: String

        @Option(help: "Key type of a new pool: rsa2048 (default, what ConfigMgr uses) or p256 (simulator-only runs). An existing pool keeps its own.")
        var key: IdentityKeyOption?

        @Option(help: "Worker threads (default: the number of cores).")
        var jobs: Int?

        @Option(
            help: ArgumentHelp(
                "The NetBIOS name prefix of a new pool's clients (1-7 of A-Z, 0-9, -; default BGBSIM): how the site recognises them, e.g. a collection query rule Name like \"PREFIX%\". An existing pool keeps its own.",
                valueName: "prefix"
            )
        )
        var namePrefix: String?

        @OptionGroup(title: "PKI")
        var issuerOptions: IdentityIssuerOptions

        func validate() throws {
            if let namePrefix, let problem = Identity.checkNamePrefix(namePrefix) {
                throw ValidationError("--name-prefix \(namePrefix) \(problem)")
            }
            guard count >= 0, count <= IdentityPool.maximumCount else {
                throw ValidationError("--count must be between 0 and \(IdentityPool.maximumCount)")
            }
            if let jobs, jobs < 1 {
                throw ValidationError("--jobs must be at least 1")
            }
        }

        func run() async throws {
            let issuer = try issuerOptions.issuer()
            let directory = URL(fileURLWithPath: out)
            var pool = try poolCall(out) { try IdentityPool.openOrCreate(at: directory, keyType: key?.keyType, namePrefix: namePrefix) }
            let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
            let already = pool.count
            let kind = issuer.map { "PKI certificates issued by \($0.certificate.subject)" } ?? "self-signed SMS certificates"
            stderr("generating identities into \(pool.directory.path): \(count) wanted, \(already) complete, key \(pool.keyType), \(kind), names \(pool.namePrefix)…, \(workers) jobs")

            let stop = GenerationStopFlag()
            let interrupt = InterruptHandler(
                stopping: "stopping: writing the chunks already complete (Ctrl-C again to exit at once)",
                again: .exit(message: "interrupted again: exiting now (files already written are complete)")
            ) { _ in stop.stop() }
            defer { interrupt.cancel() }

            let display = ProgressDisplay.generation()
            let report = try await poolCall(out) {
                try await pool.generate(count: count, jobs: workers, stop: stop, issuer: issuer) { display.update($0) }
            }
            display.finish()

            let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
            let rate = String(format: "%.1f", report.rate)
            if report.cancelled {
                stderr("""
                    stopped after \(String(format: "%.1f", seconds)) s (\(rate) identities/s): \(report.generated) new identities \
                    written in \(report.chunksWritten) complete chunks, \(report.discarded) of unfinished chunks dropped; \
                    the pool still counts \(report.poolCount) complete identities.
                    resume with: bgbfleet identities generate --count \(count) --identities \(shellQuoted(out))
                    """)
                throw ExitCode(interrupt.exitStatus ?? 130)
            }
            print("""
                generated \(report.generated) identities in \(String(format: "%.1f", seconds)) s \
                (\(rate) identities/s, \(workers) jobs); kept \(report.existing); \
                pool \(pool.directory.path) holds \(report.poolCount) \(pool.keyType) identities
                """)
        }
    }

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
            stderr("registering identities \(indexes.lowerBound)..<\(indexes.upperBound) of \(pool.directory.path) with \(target) (\(concurrency) at a time, \(rate)/s)")

            let progress = ProgressDisplay.registration()
            let task = Task {
                try await pool.register(range: indexes, client: client, concurrency: concurrency, force: force) {
                    progress.update($0)
                }
            }
            let interrupt = InterruptHandler(
                stopping: "stopping: no new registrations; recording the replies that arrived (Ctrl-C again to exit at once)",
                again: .exit(message: "interrupted again: exiting now (registrations already recorded are complete)")
            ) { _ in task.cancel() }
            defer { interrupt.cancel() }
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
            if let status = interrupt.exitStatus { throw ExitCode(status) }
            let settleNanoseconds = DurationText.nanoseconds(settle) ?? 0
            if report.registered > 0, settleNanoseconds > 0, let last = report.lastRegisteredAt {
                let remaining = Double(settleNanoseconds) / 1e9 - Date().timeIntervalSince(last)
                if remaining > 0 {
                    stderr("waiting \(String(format: "%.1f", remaining)) s for the MP to commit the registrations (--settle 0s skips)")
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

    /// `bgbfleet identities list --identities DIR`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a pool: count, key type, creation time, registrations."
        )

        @Option(name: [.customLong("identities"), .customLong("out")], help: ArgumentHelp("The pool directory.", valueName: "dir"))
        var out: String

        @Flag(help: "Also read every identity and check every chunk's checksum, and time it.")
        var verify = false

        func run() throws {
            let pool = try poolCall(out) { try IdentityPool.open(at: URL(fileURLWithPath: out)) }
            let summary = try poolCall(out) { try pool.registrationSummary() }
            let chunks = (pool.count + pool.chunkSize - 1) / pool.chunkSize
            print("pool:         \(pool.directory.path)")
            print("format:       \(IdentityPool.formatVersion)")
            print("identities:   \(pool.count) (\(chunks) chunk files of up to \(pool.chunkSize))")
            print("key type:     \(pool.keyType)")
            print("created:      \(iso8601(pool.created))")
            print("registered:   \(summary.registered) (approved \(summary.approved), pending \(summary.pending), other \(summary.other)); unregistered \(summary.unregistered)")
            if let target = pool.unfinishedGenerationCount, target > pool.count {
                print("unfinished:   a generation towards \(target) identities did not complete; resume with: bgbfleet identities generate --count \(target) --identities \(shellQuoted(out))")
            }
            if verify {
                let start = ContinuousClock.now
                let identities = try poolCall(out) { try pool.loadAll() }
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print("verified:     \(identities.count) identities loaded and checked in \(String(format: "%.3f", seconds)) s")
            }
        }
    }

    /// `bgbfleet identities show --identities DIR INDEX`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one identity: SMSID, certificate, key type, NetBIOS name, registration."
        )

        @Option(name: [.customLong("identities"), .customLong("out")], help: ArgumentHelp("The pool directory.", valueName: "dir"))
        var out: String

        @Argument(help: "The identity index, 0 ..< count.")
        var index: Int

        func run() throws {
            let pool = try poolCall(out) { try IdentityPool.open(at: URL(fileURLWithPath: out)) }
            let identity = try poolCall(out) { try pool.identity(at: index) }
            let certificate: Certificate
            do {
                certificate = try identity.certificate()
            } catch {
                throw CommandFailure.badInput("\(pool.identityChunkPath(pool.chunk(containing: index))): identity \(index) has an unreadable certificate: \(error)")
            }
            print("index:        \(identity.index)")
            print("SMSID:        \(identity.smsid)\(identity.registration == nil ? " (minted, not registered)" : " (assigned by the MP)")")
            if identity.registration != nil {
                print("minted SMSID: \(identity.mintedSMSID)")
            }
            print("NetBIOS name: \(identity.netbiosName)")
            print("key type:     \(identity.keyType)")
            print("thumbprint:   \(identity.thumbprint)")
            print("certificate:  \(identity.certificateKind.rawValue)")
            print("subject:      \(certificate.subject)")
            print("issuer:       \(certificate.issuer)")
            print("serial:       \(certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined())")
            print("valid:        \(iso8601(certificate.notValidBefore)) … \(iso8601(certificate.notValidAfter))")
            print("signature:    \(signatureAlgorithmName(certificate.signatureAlgorithm))")
            if let registration = identity.registration {
                print("registration: \(registration.approvalStatus) at \(iso8601(registration.registeredAt)) with \(registration.mp)")
            } else {
                print("registration: none")
            }
        }
    }
}

/// Runs a pool operation, turning pool errors into bad-input failures that name the file.
private func poolCall<T>(_ directory: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IdentityPoolError {
        throw CommandFailure.badInput(poolMessage(error, directory: directory))
    }
}

private func poolCall<T>(_ directory: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as IdentityPoolError {
        throw CommandFailure.badInput(poolMessage(error, directory: directory))
    }
}

private func poolMessage(_ error: IdentityPoolError, directory: String) -> String {
    switch error {
    case .indexOutOfRange, .countOutOfRange:
        return "identity pool \(directory): \(error)"
    default:
        return error.description
    }
}

private func signatureAlgorithmName(_ algorithm: Certificate.SignatureAlgorithm) -> String {
    switch algorithm {
    case .sha256WithRSAEncryption: return "sha256WithRSAEncryption (1.2.840.113549.1.1.11)"
    case .ecdsaWithSHA256: return "ecdsa-with-SHA256 (1.2.840.10045.4.3.2)"
    default: return String(describing: algorithm)
    }
}

private func stderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

private func iso8601(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}

private func shellQuoted(_ text: String) -> String {
    let safe = text.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || "/._-+=:,@".unicodeScalars.contains($0)
    }
    return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
