import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation

/// `bgbfleet run --dry-run`: the plan, resolved as a real start would, printed; nothing connects to
/// the MP and no trigger is sent.
struct DryRunPlan {
    var profile: FleetProfile
    var builtInProfile: Bool
    var processes: Int
    var fileLimit: Int
    var preflight: Preflight.Report
    var poolLine: String
    var thresholds: [Threshold]
    /// Nil without triggers or, for the embedded simulator, the simulator numbers them at start.
    var triggerPlans: [TriggerPlan]?
    var resolvedResourceIDs: Int?

    func render() -> String {
        var lines: [(String, String)] = []
        lines.append(("profile", profile.name + (builtInProfile ? " (built-in default)" : "")))
        if let mp = profile.mp {
            lines.append(("target", "\(mp): TCP port \(profile.port), HTTP port \(profile.httpPort) (\(profile.transport.rawValue) first)"))
        } else {
            lines.append(("target", "the embedded MP simulator on 127.0.0.1 (started by a real run)"))
        }
        let arrival: String
        switch profile.arrival {
        case .rate(let rate): arrival = String(format: "%.1f/s", rate)
        case .ramp(let total): arrival = "a ramp over \(DurationText.format(total))"
        }
        lines.append((
            "sessions",
            "\(profile.sessions) at \(arrival), for \(DurationText.format(profile.duration)), keep-alive \(DurationText.format(profile.keepAlive)), "
                + "TLS \(profile.tls.minimumVersion.rawValue)-\(profile.tls.maximumVersion.rawValue)"
        ))
        lines.append(("identities", poolLine))
        for shard in 0..<processes where processes > 1 {
            let plan = FleetPlan(sessionCount: profile.sessions, arrival: profile.arrival, sourceAddressRanges: profile.sourceAddresses, shard: shard, shardCount: processes)
            lines.append(("  shard \(shard + 1)/\(processes)", "sessions and identities \(plan.slice.lowerBound)..<\(plan.slice.upperBound) (\(plan.slice.count))"))
        }
        if profile.sourceAddresses.isEmpty {
            lines.append(("source", "the system's choice of address, \(preflight.sessionsPerSourceAddress) sessions per address (\(preflight.portsPerSourceAddress) local ports)"))
        } else {
            lines.append((
                "source",
                profile.sourceAddresses.map(\.description).joined(separator: ", ")
                    + ": \(preflight.sessionsPerSourceAddress) sessions per address (\(preflight.portsPerSourceAddress) local ports)"
            ))
        }
        lines.append(("file limit", "\(fileLimit) open files; \(preflight.filesNeeded) needed per process"))
        if profile.triggers.isEmpty {
            lines.append(("triggers", "none: nothing is sent to any client"))
        } else if let triggerPlans {
            if let resolvedResourceIDs {
                lines.append(("triggers", "the fleet's ResourceIDs at \(profile.triggerURL ?? "?"): \(resolvedResourceIDs) of \(profile.sessions) resolved"))
            }
            for (number, plan) in triggerPlans.enumerated() {
                lines.append(("  [\(number)]", Self.describe(plan, sessions: profile.sessions, duration: profile.duration)))
            }
        } else {
            let firings = profile.triggers.reduce(0) { $0 + $1.firings(within: profile.duration).count }
            lines.append(("triggers", "\(profile.triggers.count) (\(firings) firings), to the embedded simulator's clients: the fleet alone"))
        }
        if thresholds.isEmpty {
            lines.append(("thresholds", "none"))
        } else {
            for (number, threshold) in thresholds.enumerated() {
                lines.append((number == 0 ? "thresholds" : "", threshold.expression + (threshold.isBuiltInDefault ? "  (built-in default)" : "")))
            }
        }
        let width = lines.map(\.0.count).max() ?? 0
        var text = "dry run: nothing connects to the MP and no trigger is sent\n"
        for (key, value) in lines { text += key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "\n" }
        text += "the plan holds: run again without --dry-run to start\n"
        return text
    }

    static func describe(_ plan: TriggerPlan, sessions: Int, duration: UInt64) -> String {
        let trigger = plan.trigger
        let firings = trigger.firings(within: duration).count
        var when = "at \(DurationText.format(trigger.at))"
        if let every = trigger.every { when += " every \(DurationText.format(every))" }
        when += " (\(firings) firing\(firings == 1 ? "" : "s"))"
        let reach: String
        if plan.wholeCollection {
            reach = "every member of collection \(plan.collectionID)"
        } else {
            let count: Int
            switch plan.reaches {
            case .all: count = sessions
            case .sessions(let set): count = set.count
            }
            reach = "\(plan.resourceIDs.count) ResourceIDs of the fleet (\(count) sessions), scoped by collection \(plan.collectionID)"
        }
        return "Type \(trigger.type)\(trigger.param == nil ? "" : " with Param") \(when) → \(reach)"
    }
}

extension RunCommand {
    /// The dry run's plan: the pool is checked as a real start checks it (the default pool is not
    /// generated: the plan says it would be).
    func dryRun(
        profile: FleetProfile,
        processes: Int,
        fileLimit: Int,
        preflight: Preflight.Report,
        thresholds: [Threshold],
        triggers: [TriggerPlan]?,
        resolved: Int?
    ) async throws -> DryRunPlan {
        let poolLine: String
        if let explicit = profile.identities {
            _ = try await loadIdentities(profile: profile, range: 0..<0)
            let count = (try? IdentityPool.open(at: URL(fileURLWithPath: explicit)).count) ?? 0
            poolLine = "\(explicit): \(count) identities, the first \(profile.sessions) used"
        } else {
            let path = Self.defaultPoolDirectory()
            if let pool = try? IdentityPool.open(at: URL(fileURLWithPath: path)), pool.count >= profile.sessions {
                poolLine = "\(path) (default pool): \(pool.count) identities, the first \(profile.sessions) used"
            } else {
                poolLine = "\(path) (default pool): would be generated up to \(profile.sessions) RSA-2048 identities first"
            }
        }
        return DryRunPlan(
            profile: profile,
            builtInProfile: self.profile == nil,
            processes: processes,
            fileLimit: fileLimit,
            preflight: preflight,
            poolLine: poolLine,
            thresholds: thresholds,
            triggerPlans: triggers,
            resolvedResourceIDs: resolved
        )
    }
}
