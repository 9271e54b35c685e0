import Foundation

/// Checks a plan against what this machine allows before anything connects, and refuses an
/// impossible plan with the numbers and what to change.
public enum Preflight {
    /// File descriptors a process needs beyond its sessions (listeners, reports, the event loops).
    /// The limit itself is raised and read with `OpenFileLimit.raise()` (FleetSupport).
    public static let overheadFiles = 64

    /// The ephemeral port range (`/proc/sys/net/ipv4/ip_local_port_range`).
    public static func localPortRange() -> ClosedRange<Int> {
        if let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) {
            let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
            if numbers.count == 2, numbers[0] <= numbers[1] { return numbers[0]...numbers[1] }
        }
        return 32768...60999
    }

    /// The most sessions one process holds within `fileLimit` open files (`embedded`: the
    /// simulator in the same process holds the other end of each connection).
    public static func sessionsPerProcess(embedded: Bool, fileLimit: Int, connectionsPerSession: Int = 1) -> Int {
        max(1, (fileLimit - overheadFiles) / (connectionsPerSession * (embedded ? 2 : 1)))
    }

    /// The fewest processes that hold `sessions` within `fileLimit` open files each
    /// (`run --processes auto`).
    public static func processesNeeded(sessions: Int, embedded: Bool, fileLimit: Int, connectionsPerSession: Int = 1) -> Int {
        let perProcess = sessionsPerProcess(embedded: embedded, fileLimit: fileLimit, connectionsPerSession: connectionsPerSession)
        return max(1, (sessions + perProcess - 1) / perProcess)
    }

    /// What the plan needs, checked against the limits.
    public struct Report: Sendable {
        public var fileLimit: Int
        public var filesNeeded: Int
        public var portsPerSourceAddress: Int
        public var sessionsPerSourceAddress: Int
        public var identities: Int
    }

    /// Checks a plan; `embedded` means the simulator runs in this process (it holds the other end
    /// of every connection); `connectionsPerSession` is 2 over HTTP (a held poll and one for Continues).
    public static func check(
        sessions: Int,
        processes: Int,
        sessionsPerSourceAddress: Int,
        embedded: Bool,
        identities: Int?,
        fileLimit: Int,
        connectionsPerSession: Int = 1
    ) throws(FleetConfigurationError) -> Report {
        let perProcess = (sessions + processes - 1) / processes
        let socketsPerSession = connectionsPerSession * (embedded ? 2 : 1)
        let filesNeeded = perProcess * socketsPerSession + overheadFiles
        if filesNeeded > fileLimit {
            let needed = processesNeeded(sessions: sessions, embedded: embedded, fileLimit: fileLimit, connectionsPerSession: connectionsPerSession)
            var advice = "use --processes \(max(2, needed)) (or --processes auto)"
            if embedded {
                advice += ", or run `bgbfleet mp-sim` as its own process and pass --mp 127.0.0.1 (the embedded simulator holds the other end of every session)"
            }
            advice += ", or raise the hard limit (ulimit -Hn)"
            let detail = socketsPerSession == 1 ? "" : " (\(socketsPerSession) sockets each\(embedded ? " with the embedded simulator" : ""))"
            throw .impossiblePlan(
                "\(perProcess) sessions\(detail) need \(filesNeeded) files; the limit is \(fileLimit): \(advice)"
            )
        }
        let ports = localPortRange()
        let portCount = ports.upperBound - ports.lowerBound + 1
        if sessionsPerSourceAddress * connectionsPerSession > portCount {
            throw .impossiblePlan(
                "\(sessionsPerSourceAddress) sessions per source address (\(sessionsPerSourceAddress * connectionsPerSession) connections) exceed the \(portCount) local ports "
                    + "(\(ports.lowerBound)-\(ports.upperBound)): add --source-address ranges such as 127.0.0.1-127.0.0.8, "
                    + "or widen net.ipv4.ip_local_port_range"
            )
        }
        if let identities, identities < sessions {
            throw .impossiblePlan(
                "\(sessions) sessions need \(sessions) identities; the pool has \(identities): "
                    + "run `bgbfleet identities generate --count \(sessions) --identities DIR` (or omit --identities to use the default pool)"
            )
        }
        return Report(
            fileLimit: fileLimit,
            filesNeeded: filesNeeded,
            portsPerSourceAddress: portCount,
            sessionsPerSourceAddress: sessionsPerSourceAddress,
            identities: identities ?? sessions
        )
    }
}
