import Foundation

/// The ResourceIDs a site gave the pool's clients, resolved through the AdminService
/// (`SMS_R_System` by `SMSUniqueIdentifier`) and cached in the pool next to its registrations
/// (`site-resources.json`), so later runs and every shard of a run read them without asking.
///
/// A client the site does not know (not registered yet, or not yet discovered) has no ResourceID
/// and is never targeted; it is asked for again at the next resolution.
public struct FleetResources: Sendable, Equatable {
    /// The AdminService the IDs come from (the cache is per site).
    public var adminService: String
    /// ResourceID by pool index, for the SMSID it was resolved for.
    public var entries: [Int: Entry]

    public struct Entry: Sendable, Equatable, Codable {
        public var smsID: String
        public var resourceID: UInt32
    }

    public static let fileName = "site-resources.json"

    public init(adminService: String, entries: [Int: Entry] = [:]) {
        self.adminService = adminService
        self.entries = entries
    }

    /// The ResourceIDs of the pool indices `0..<count` whose SMSID still matches (nil elsewhere).
    public func resourceIDs(for smsIDs: [String]) -> [UInt32?] {
        smsIDs.enumerated().map { index, smsID in
            guard let entry = entries[index], entry.smsID.caseInsensitiveCompare(smsID) == .orderedSame else { return nil }
            return entry.resourceID
        }
    }

    // MARK: the cache file

    private struct File: Codable {
        var adminService: String
        var resolvedAt: String
        var clients: [Client]

        struct Client: Codable {
            var index: Int
            var smsID: String
            var resourceID: UInt32

            enum CodingKeys: String, CodingKey {
                case index
                case smsID = "smsid"
                case resourceID = "resource_id"
            }
        }

        enum CodingKeys: String, CodingKey {
            case adminService = "admin_service"
            case resolvedAt = "resolved_at"
            case clients
        }
    }

    /// Reads the pool's cache for `adminService`; empty when there is none or it is another site's.
    ///
    /// - Throws: ``FleetConfigurationError/unreadable(path:reason:)`` for a file that is not a cache.
    public static func cached(in pool: URL, adminService: String) throws(FleetConfigurationError) -> FleetResources {
        let url = pool.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return FleetResources(adminService: adminService) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw .unreadable(path: url.path, reason: "not a ResourceID cache (\(error)); delete it to resolve again")
        }
        guard Self.sameSite(file.adminService, adminService) else { return FleetResources(adminService: adminService) }
        var entries: [Int: Entry] = [:]
        for client in file.clients where client.index >= 0 { entries[client.index] = Entry(smsID: client.smsID, resourceID: client.resourceID) }
        return FleetResources(adminService: adminService, entries: entries)
    }

    /// Writes the cache atomically (mode 0600, like the pool's other files).
    public func save(in pool: URL) throws {
        let formatter = ISO8601DateFormatter()
        let file = File(
            adminService: adminService,
            resolvedAt: formatter.string(from: Date()),
            clients: entries.sorted { $0.key < $1.key }.map { File.Client(index: $0.key, smsID: $0.value.smsID, resourceID: $0.value.resourceID) }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(file)
        let url = pool.appendingPathComponent(Self.fileName)
        try data.write(to: url, options: .atomic)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// A live record beats an obsolete one; then the newest (highest ResourceID).
    static func prefer(_ a: AdminServiceClient.SystemResource, over b: AdminServiceClient.SystemResource) -> Bool {
        if a.obsolete != b.obsolete { return !a.obsolete }
        return a.resourceID > b.resourceID
    }

    static func sameSite(_ a: String, _ b: String) -> Bool {
        func normal(_ url: String) -> String { (url.hasSuffix("/") ? String(url.dropLast()) : url).lowercased() }
        return normal(a) == normal(b)
    }

    // MARK: resolution

    /// Resolves the SMSIDs the cache does not hold yet (pool indices `0..<smsIDs.count`) through
    /// `client`, four batches in flight; returns the updated resources and how many were asked.
    ///
    /// Of several records for one SMSID (a re-registered client), a non-obsolete one wins, then the
    /// highest ResourceID.
    public func resolvingMissing(
        smsIDs: [String],
        client: AdminServiceClient,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> (resources: FleetResources, asked: Int) {
        let known = resourceIDs(for: smsIDs)
        let missing = smsIDs.indices.filter { known[$0] == nil }
        guard !missing.isEmpty else { return (self, 0) }
        let batches = stride(from: 0, to: missing.count, by: AdminServiceClient.filterBatch).map {
            Array(missing[$0..<min($0 + AdminServiceClient.filterBatch, missing.count)])
        }
        var result = self
        var done = 0
        try await withThrowingTaskGroup(of: (batch: [Int], rows: [AdminServiceClient.SystemResource]).self) { group in
            var next = 0
            func add() {
                let batch = batches[next]
                let ids = batch.map { smsIDs[$0] }
                group.addTask { (batch, try await client.systemResources(smsUniqueIdentifiers: ids)) }
                next += 1
            }
            while next < min(4, batches.count) { add() }
            while let (batch, rows) = try await group.next() {
                var best: [String: AdminServiceClient.SystemResource] = [:]
                for row in rows {
                    let key = row.smsUniqueIdentifier.uppercased()
                    if let current = best[key], !Self.prefer(row, over: current) { continue }
                    best[key] = row
                }
                for index in batch {
                    if let row = best[smsIDs[index].uppercased()] {
                        result.entries[index] = Entry(smsID: smsIDs[index], resourceID: row.resourceID)
                    }
                }
                done += batch.count
                progress?(done, missing.count)
                if next < batches.count { add() }
            }
        }
        return (result, missing.count)
    }
}
