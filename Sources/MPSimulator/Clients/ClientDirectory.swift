import BGBProtocol
import NIOConcurrencyHelpers

/// Every known client and the session holding it online, in 16 lock shards keyed by SMSID, plus
/// an append-only ResourceID index.
///
/// Lookups and updates on the hot path (SignIn, KeepAlive, the fan-out's target resolution) take
/// one shard lock for a few instructions; the fan-out resolves its targets shard by shard.
final class ClientDirectory: Sendable {
    struct Entry {
        var record: ClientRecord
        var session: SessionRef?
        /// Last SignIn or KeepAlive, epoch nanoseconds; 0 = never.
        var lastStatusTime: Int64 = 0
    }

    /// The first ResourceID handed out.
    static let firstResourceID = 16_777_217
    private static let shardCount = 16

    private let shards: [NIOLockedValueBox<[SMSID: Entry]>]
    /// By ResourceID − ``firstResourceID``; nil where a record was deleted (IDs are never reused).
    private let byResource = NIOLockedValueBox<[ClientRecord?]>([])

    init() {
        shards = (0..<Self.shardCount).map { _ in NIOLockedValueBox([:]) }
    }

    @inline(__always)
    private func shard(_ smsID: SMSID) -> NIOLockedValueBox<[SMSID: Entry]> {
        shards[Int(UInt(bitPattern: smsID.hashValue) % UInt(Self.shardCount))]
    }

    /// Number of known clients.
    var count: Int { byResource.withLockedValue { $0.lazy.filter { $0 != nil }.count } }

    /// Adds clients (or replaces the certificate of known ones, keeping their ResourceID); returns
    /// the records in input order. ResourceIDs are assigned under one lock for the whole batch.
    func register(
        _ clients: [(smsID: SMSID, certificate: ClientCertificate?, netbiosName: String, fqName: String)],
        origin: ClientRecord.Origin,
        approved: Bool
    ) -> [ClientRecord] {
        let now = Clock.epochNanoseconds
        return byResource.withLockedValue { index in
            clients.map { client in
                shard(client.smsID).withLockedValue { entries in
                    if var entry = entries[client.smsID] {
                        let record = ClientRecord(
                            smsID: client.smsID,
                            resourceID: entry.record.resourceID,
                            certificate: client.certificate ?? entry.record.certificate,
                            netbiosName: client.netbiosName,
                            fqName: client.fqName,
                            origin: origin,
                            approved: approved,
                            registeredAtEpochNanoseconds: now
                        )
                        entry.record = record
                        entries[client.smsID] = entry
                        index[record.resourceID - Self.firstResourceID] = record
                        return record
                    }
                    let record = ClientRecord(
                        smsID: client.smsID,
                        resourceID: Self.firstResourceID + index.count,
                        certificate: client.certificate,
                        netbiosName: client.netbiosName,
                        fqName: client.fqName,
                        origin: origin,
                        approved: approved,
                        registeredAtEpochNanoseconds: now
                    )
                    entries[client.smsID] = Entry(record: record)
                    index.append(record)
                    return record
                }
            }
        }
    }

    func record(for smsID: SMSID) -> ClientRecord? {
        shard(smsID).withLockedValue { $0[smsID]?.record }
    }

    func record(forResourceID resourceID: Int) -> ClientRecord? {
        byResource.withLockedValue { index in
            let position = resourceID - Self.firstResourceID
            return index.indices.contains(position) ? index[position] : nil
        }
    }

    /// Every record in ResourceID order.
    func allRecords() -> [ClientRecord] {
        byResource.withLockedValue { $0.compactMap { $0 } }
    }

    /// Deletes a record (its ResourceID is not handed out again; the SMSID may register anew).
    /// Returns whether it was there.
    func delete(_ record: ClientRecord) -> Bool {
        byResource.withLockedValue { index in
            let position = record.resourceID - Self.firstResourceID
            guard index.indices.contains(position), index[position] === record else { return false }
            index[position] = nil
            shard(record.smsID).withLockedValue { entries in
                if entries[record.smsID]?.record === record { entries[record.smsID] = nil }
            }
            return true
        }
    }

    /// Makes `session` the one holding `smsID` online; returns the session it replaced.
    func signIn(_ smsID: SMSID, session: SessionRef, record: ClientRecord) -> SessionRef? {
        let now = Clock.epochNanoseconds
        return shard(smsID).withLockedValue { entries in
            var entry = entries[smsID] ?? Entry(record: record)
            let replaced = entry.session
            entry.session = session
            entry.lastStatusTime = now
            entries[smsID] = entry
            if let replaced, replaced.number == session.number { return nil }
            return replaced
        }
    }

    /// A KeepAlive: refreshes `LastStatusTime` if `sessionNumber` still holds the identity.
    func keepAlive(_ smsID: SMSID, sessionNumber: UInt64) {
        let now = Clock.epochNanoseconds
        shard(smsID).withLockedValue { entries in
            guard var entry = entries[smsID], entry.session?.number == sessionNumber else { return }
            entry.lastStatusTime = now
            entries[smsID] = entry
        }
    }

    /// Ends a session; returns whether it was the one holding the identity (then it went offline).
    @discardableResult
    func endSession(_ smsID: SMSID, sessionNumber: UInt64) -> Bool {
        shard(smsID).withLockedValue { entries in
            guard var entry = entries[smsID], entry.session?.number == sessionNumber else { return false }
            entry.session = nil
            entries[smsID] = entry
            return true
        }
    }

    /// The session holding `smsID` online, if any.
    func session(for smsID: SMSID) -> SessionRef? {
        shard(smsID).withLockedValue { $0[smsID]?.session }
    }

    /// The online sessions of many clients at one moment (shard by shard), in input order.
    func sessions(for smsIDs: [SMSID]) -> [SessionRef?] {
        var result = [SessionRef?](repeating: nil, count: smsIDs.count)
        var positions = [[Int]](repeating: [], count: Self.shardCount)
        for (position, smsID) in smsIDs.enumerated() {
            positions[Int(UInt(bitPattern: smsID.hashValue) % UInt(Self.shardCount))].append(position)
        }
        for (shardIndex, members) in positions.enumerated() where !members.isEmpty {
            shards[shardIndex].withLockedValue { entries in
                for position in members { result[position] = entries[smsIDs[position]]?.session }
            }
        }
        return result
    }

    /// Every online session.
    func onlineSessions() -> [(SMSID, SessionRef)] {
        var result: [(SMSID, SessionRef)] = []
        for shard in shards {
            shard.withLockedValue { entries in
                for (smsID, entry) in entries {
                    if let session = entry.session { result.append((smsID, session)) }
                }
            }
        }
        return result
    }

    /// Status rows for every known client, in ResourceID order.
    func statusRows() -> [(record: ClientRecord, session: SessionRef?, lastStatusTime: Int64)] {
        allRecords().map { record in
            shard(record.smsID).withLockedValue { entries in
                let entry = entries[record.smsID]
                return (record, entry?.session, entry?.lastStatusTime ?? 0)
            }
        }
    }
}
