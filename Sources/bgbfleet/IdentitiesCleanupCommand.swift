import ArgumentParser
import FleetEngine
import FleetIdentity
import Foundation
import NIOPosix

extension IdentitiesCommand {
    /// `bgbfleet identities cleanup --trigger-url URL --identities DIR [--yes]`
    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the pool's own device records (SMS_R_System) from the site, after a test.",
            discussion: """
                Looks up the pool's clients at the site's AdminService (SMS_R_System by \
                SMSUniqueIdentifier, the pool's SMSIDs) and lists the records found: only those, \
                never any other device of the site. Nothing is deleted without --yes; with it each \
                record is deleted (DELETE SMS_R_System(ResourceID)) and the pool's ResourceID cache \
                forgets it. The pool itself is kept.
                """
        )

        @Option(help: "The site's AdminService base URL, e.g. https://provider.example.com (the simulator's: http://127.0.0.1:8080).")
        var triggerURL: String

        @Option(name: [.customLong("identities"), .customLong("out")], help: "The pool directory.")
        var identities: String

        @Option(help: "A bearer token for the AdminService (the simulator's --admin-token).")
        var triggerBearerToken: String?

        @Flag(help: "Delete the records listed (without it, only list them).")
        var yes = false

        func run() async throws {
            let smsIDs: [String]
            do {
                smsIDs = try IdentityPool.open(at: URL(fileURLWithPath: identities)).loadAll().map(\.smsid.rawValue)
            } catch let error as IdentityPoolError {
                throw CommandFailure.badInput("identity pool \(identities): \(error)")
            }
            let client: AdminServiceClient
            do {
                client = try AdminServiceClient(baseURL: triggerURL, bearerToken: triggerBearerToken, group: MultiThreadedEventLoopGroup.singleton)
            } catch {
                throw CommandFailure.badInput("--trigger-url \(triggerURL): \(error)")
            }
            // Fresh from the site (not the cache): delete what is there now, found by the pool's SMSIDs.
            let found: [UInt32?]
            do {
                found = try await FleetResources(adminService: triggerURL).resolvingMissing(smsIDs: smsIDs, client: client).resources.resourceIDs(for: smsIDs)
            } catch {
                throw CommandFailure.runFailed("looking up the pool's clients (SMS_R_System) at \(triggerURL): \(error)")
            }
            let records = zip(smsIDs, found).compactMap { smsID, id in id.map { (smsID, $0) } }
            print("\(records.count) of the pool's \(smsIDs.count) clients have a device record at \(triggerURL):")
            for (smsID, id) in records.prefix(20) { print("  ResourceID \(id)  \(smsID)") }
            if records.count > 20 { print("  … and \(records.count - 20) more") }
            guard !records.isEmpty else { return }
            guard yes else {
                print("nothing deleted: run again with --yes to delete these \(records.count) records")
                return
            }
            var deleted = 0
            var failures: [String] = []
            for (smsID, id) in records {
                do {
                    try await client.deleteSystemResource(id)
                    deleted += 1
                } catch {
                    failures.append("ResourceID \(id) (\(smsID)): \(error)")
                }
            }
            let cacheURL = URL(fileURLWithPath: identities)
            if var cache = try? FleetResources.cached(in: cacheURL, adminService: triggerURL), !cache.entries.isEmpty {
                let gone = Set(records.map(\.1))
                cache.entries = cache.entries.filter { !gone.contains($0.value.resourceID) }
                try? cache.save(in: cacheURL)
            }
            print("deleted \(deleted) of \(records.count) device records")
            for failure in failures.prefix(20) { print("  failed: \(failure)") }
            if !failures.isEmpty { throw CommandFailure.runFailed("\(failures.count) records could not be deleted") }
        }
    }
}
