import BGBProtocol

/// The number of a client operation (`SMS_ClientOperation` `OperationID`).
public struct OperationID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public var description: String { String(rawValue) }
}

/// `SMS_ClientOperationStatus` of one operation, with the MP sim's counter rules (spec §9.4).
public struct OperationStatus: Sendable, Hashable, Codable {
    /// `State` values.
    public enum State: Int, Sendable, Hashable, Codable {
        case unknown = 0
        case notApplicable = 1
        case failed = 2
        case succeeded = 3
    }

    public var id: OperationID
    /// Admin `Type`.
    public var type: Int
    public var collectionID: String
    /// Targets resolved at T0.
    public var totalClients: Int
    /// Responses with ReturnCode 1.
    public var completedClients: Int
    /// Other ReturnCodes, failed sends, HTTP queue overflows.
    public var failedClients: Int
    /// Targets with no online session at T0.
    public var offlineClients: Int
    /// Total − Offline − Completed − Failed.
    public var unknownClients: Int { totalClients - offlineClients - completedClients - failedClients }
    /// 0 while Unknown > 0; then 3 if Failed = 0, else 2.
    public var state: State {
        if unknownClients > 0 { return .unknown }
        return failedClients == 0 ? .succeeded : .failed
    }
    /// T0, epoch nanoseconds.
    public var requestedTimeEpochNanoseconds: Int64
    /// Last counter change, epoch nanoseconds.
    public var lastUpdatedEpochNanoseconds: Int64
    /// TaskGuid, upper case.
    public var uniqueID: String
    public var pushID: Int32
    public var taskID: Int32
    public var taskType: Int32
    public var randomizationWindow: Int?
    /// Pushes written (TCP) or answered to a poll (HTTP) so far.
    public var writtenClients: Int
}

/// One target of one push, for the simulator's per-push record (`/Simulator/operations/<ID>`).
public struct PushClientRecord: Sendable, Hashable, Codable {
    /// Where the target stands.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Online at T0, not yet written (throttled, or HTTP queued).
        case pending
        /// Queued for an HTTP session with no held poll.
        case queued
        case offline
        case written
        case completed
        case failed
    }

    /// Nil for a ResourceID the simulator does not know (counted offline).
    public var smsID: SMSID?
    public var resourceID: Int
    /// Channel at T0; nil when offline.
    public var channelType: ChannelType?
    public var status: Status
    public var written: Bool
    public var responded: Bool
    public var returnCode: Int32?
    /// Push written → Response read, monotonic nanoseconds.
    public var rttNanoseconds: UInt64?
    /// Why a send failed.
    public var failure: String?
}

/// One `SMS_CN_ClientStatus` row (spec §9.5).
public struct ClientStatusRow: Sendable, Hashable, Codable {
    public var resourceID: Int
    public var smsID: SMSID
    /// 1 online, 0 offline.
    public var onlineStatus: Int
    /// Nil while offline.
    public var channelType: ChannelType?
    /// Last SignIn or KeepAlive, epoch nanoseconds; nil if never.
    public var lastStatusTimeEpochNanoseconds: Int64?
    public var serverID: Int
}
