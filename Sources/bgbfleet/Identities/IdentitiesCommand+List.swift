import ArgumentParser
import FleetIdentity
import Foundation

extension IdentitiesCommand {
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
}
