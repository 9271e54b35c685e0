import FleetEngine
import FleetIdentity
import Foundation
import NIOPosix

/// How `bgbfleet run` makes triggers safe against a real site: the fleet's ResourceIDs resolved
/// from the AdminService (cached in the pool), every trigger checked and planned against them.
extension RunCommand {
    /// The trigger policy for this target.
    static func triggerPolicy(profile: FleetProfile, allowSiteWide: Bool) -> TriggerPlan.Policy {
        TriggerPlan.Policy(guardsBuiltInCollections: profile.mp != nil, allowSiteWideTriggers: allowSiteWide)
    }

    /// Refuses, before anything connects, what would reach beyond the fleet (exit 2).
    static func checkTriggerSafety(profile: FleetProfile, allowSiteWide: Bool) throws {
        do {
            try TriggerPlan.checkSafety(profile.triggers, policy: triggerPolicy(profile: profile, allowSiteWide: allowSiteWide))
        } catch {
            throw CommandFailure.badInput("profile \(profile.name): \(error)")
        }
        if profile.mp != nil, !profile.triggers.isEmpty, profile.triggerURL == nil {
            throw CommandFailure.badInput(
                "profile \(profile.name) has \(profile.triggers.count) trigger(s) and --mp names a real MP: give --trigger-url "
                    + "(the site's AdminService, e.g. https://provider.example.com) so they reach the fleet's own clients, "
                    + "or use a profile without triggers"
            )
        }
    }

    /// The AdminService client for the profile's trigger URL.
    static func adminServiceClient(profile: FleetProfile, url: String) throws -> AdminServiceClient {
        do {
            return try AdminServiceClient(
                baseURL: url,
                credentials: profile.triggerCredentials,
                tls: profile.triggerTLS,
                group: MultiThreadedEventLoopGroup.singleton
            )
        } catch {
            throw CommandFailure.badInput("--trigger-url \(url): \(error)")
        }
    }

    /// The SMSIDs of the pool's first `count` identities.
    static func poolSMSIDs(poolPath: String, count: Int) throws -> [String] {
        do {
            let pool = try IdentityPool.open(at: URL(fileURLWithPath: poolPath))
            guard pool.count >= count else {
                throw CommandFailure.badInput("\(count) sessions need \(count) identities; the pool \(poolPath) has \(pool.count)")
            }
            return try pool.load(range: 0..<count).map(\.smsid.rawValue)
        } catch let error as IdentityPoolError {
            throw CommandFailure.badInput("\(error)")
        }
    }

    /// The ResourceIDs of the fleet's sessions at the site (nil where the site has none): from the
    /// pool's cache, asking the AdminService for what it lacks unless `cacheOnly` (a shard process,
    /// whose parent resolved them).
    static func siteResourceIDs(profile: FleetProfile, poolPath: String, cacheOnly: Bool, log: (String) -> Void) async throws -> [UInt32?] {
        guard let url = profile.triggerURL else { return [UInt32?](repeating: nil, count: profile.sessions) }
        let smsIDs = try poolSMSIDs(poolPath: poolPath, count: profile.sessions)
        let pool = URL(fileURLWithPath: poolPath)
        var resources: FleetResources
        do {
            resources = try FleetResources.cached(in: pool, adminService: url)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
        if !cacheOnly {
            let client = try adminServiceClient(profile: profile, url: url)
            let before = resources.resourceIDs(for: smsIDs).compactMap { $0 }.count
            let asked: Int
            do {
                (resources, asked) = try await resources.resolvingMissing(smsIDs: smsIDs, client: client)
            } catch {
                throw CommandFailure.runFailed("resolving the fleet's ResourceIDs (SMS_R_System by SMSUniqueIdentifier) at \(url): \(error)")
            }
            if asked > 0 {
                do {
                    try resources.save(in: pool)
                } catch {
                    throw CommandFailure.runFailed("cannot write \(poolPath)/\(FleetResources.fileName): \(error)")
                }
            }
            let found = resources.resourceIDs(for: smsIDs).compactMap { $0 }.count
            log("bgbfleet: ResourceIDs of the fleet at \(url): \(found) of \(smsIDs.count) (\(before) from the pool's cache, \(found - before) resolved now)")
        }
        return resources.resourceIDs(for: smsIDs)
    }

    /// How many of `resourceIDs` the site reports online (`SMS_CN_ClientStatus`), for `mp_online`.
    static func mpOnlineSource(profile: FleetProfile, resourceIDs: [UInt32]) throws -> @Sendable () async throws -> Int {
        guard let url = profile.triggerURL else { preconditionFailure("the MP's view needs the AdminService") }
        let client = try adminServiceClient(profile: profile, url: url)
        let batch = AdminServiceClient.filterBatch * 2
        return {
            var online = 0
            for start in stride(from: 0, to: resourceIDs.count, by: batch) {
                online += try await client.onlineResourceIDs(Array(resourceIDs[start..<min(start + batch, resourceIDs.count)])).count
            }
            return online
        }
    }

    /// Plans the profile's triggers for this process (exit 2 for a trigger beyond the fleet).
    static func triggerPlans(
        profile: FleetProfile,
        resourceIDs: [UInt32?],
        known: Range<Int>?,
        collectionIsFleet: Bool,
        allowSiteWide: Bool
    ) throws -> [TriggerPlan] {
        var policy = triggerPolicy(profile: profile, allowSiteWide: allowSiteWide)
        policy.known = known
        policy.collectionIsFleet = collectionIsFleet
        do {
            return try TriggerPlan.resolve(profile.triggers, sessionCount: profile.sessions, resourceIDs: resourceIDs, policy: policy)
        } catch {
            throw CommandFailure.badInput("profile \(profile.name): \(error)")
        }
    }
}
