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

        @Option(
            name: .customLong("bearer-file"),
            help: ArgumentHelp(
                "A file whose first line is the AdminService's bearer token (else BGBFLEET_TRIGGER_TOKEN or BGBFLEET_TRIGGER_USER/BGBFLEET_TRIGGER_PASSWORD).",
                valueName: "file"
            )
        )
        var bearerFile: String?

        @Option(
            name: .customLong("basic-file"),
            help: ArgumentHelp("A file whose first line is USER:PASSWORD for the AdminService.", valueName: "file")
        )
        var basicFile: String?

        @OptionGroup var triggerTrust: TriggerTrustOptions

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
                client = try AdminServiceClient(
                    baseURL: triggerURL,
                    credentials: try credentials(),
                    tls: try triggerTrust.adminServiceTLS() ?? .system,
                    group: MultiThreadedEventLoopGroup.singleton
                )
            } catch let failure as CommandFailure {
                throw failure
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

        /// The AdminService credentials: a file named by a flag, else the environment; never argv.
        func credentials() throws -> TriggerCredentials? {
            do {
                switch (bearerFile, basicFile) {
                case (let path?, nil): return try TriggerCredentials.read(scheme: .bearer, file: path, key: "--bearer-file")
                case (nil, let path?): return try TriggerCredentials.read(scheme: .basic, file: path, key: "--basic-file")
                case (nil, nil): return try TriggerCredentials.fromEnvironment(ProcessInfo.processInfo.environment)
                case (_?, _?): throw CommandFailure.badInput("give --bearer-file or --basic-file, not both")
                }
            } catch let error as FleetConfigurationError {
                throw CommandFailure.badInput("\(error)")
            }
        }
    }
}
