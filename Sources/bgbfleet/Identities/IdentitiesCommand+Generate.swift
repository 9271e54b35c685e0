import ArgumentParser
import FleetIdentity
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            stderrLine("generating identities into \(pool.directory.path): \(count) wanted, \(already) complete, key \(pool.keyType), \(kind), names \(pool.namePrefix)…, \(workers) jobs")

            let stop = GenerationStopFlag()
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            interrupt.setEventHandler {
                if stop.isStopped {
                    stderrLine("\ninterrupted again: exiting now (files already written are complete)")
                    _exit(130)
                }
                stop.stop()
                stderrLine("\nstopping: writing the chunks already complete (Ctrl-C again to exit at once)")
            }
            interrupt.resume()
            defer {
                interrupt.cancel()
                signal(SIGINT, SIG_DFL)
            }

            let display = GenerationProgressDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
            let report = try await poolCall(out) {
                try await pool.generate(count: count, jobs: workers, stop: stop, issuer: issuer) { display.update($0) }
            }
            display.finish()

            let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
            let rate = String(format: "%.1f", report.rate)
            if report.cancelled {
                stderrLine("""
                    stopped after \(String(format: "%.1f", seconds)) s (\(rate) identities/s): \(report.generated) new identities \
                    written in \(report.chunksWritten) complete chunks, \(report.discarded) of unfinished chunks dropped; \
                    the pool still counts \(report.poolCount) complete identities.
                    resume with: bgbfleet identities generate --count \(count) --identities \(shellQuoted(out))
                    """)
                throw ExitCode(130)
            }
            print("""
                generated \(report.generated) identities in \(String(format: "%.1f", seconds)) s \
                (\(rate) identities/s, \(workers) jobs); kept \(report.existing); \
                pool \(pool.directory.path) holds \(report.poolCount) \(pool.keyType) identities
                """)
        }
    }
}
