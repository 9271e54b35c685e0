/// What fires a trigger: the AdminService over HTTP(S) (``AdminServiceClient``) or an admin's own
/// command (``TriggerCommand``, for Windows integrated authentication).
public protocol TriggerSender: Sendable {
    /// Asks the site to notify `resourceIDs` of `collectionID` (all of it when empty); returns the OperationID.
    func initiateClientOperation(type: Int, collectionID: String, resourceIDs: [UInt32], param: String?) async throws -> UInt32
    /// The operation's status row (`SMS_ClientOperationStatus`); senders that cannot ask throw.
    func operationStatus(id: UInt32) async throws -> [String: Any]
    /// The AdminService behind this sender, for other queries (nil for a trigger command).
    var adminService: AdminServiceClient? { get }
}

extension AdminServiceClient: TriggerSender {
    public var adminService: AdminServiceClient? { self }
}

extension FleetEngine {
    /// The run's trigger sender: the profile's `trigger-command` when given, else the AdminService
    /// at `adminURL` with the profile's credentials; nil when neither is known.
    func makeTriggerSender(adminURL: String?) throws(FleetConfigurationError) -> (any TriggerSender)? {
        let profile = options.profile
        if let command = profile.triggerCommand {
            return TriggerCommand(command: command, timeout: profile.triggerCommandTimeout, triggerURL: adminURL)
        }
        guard let adminURL else { return nil }
        return try AdminServiceClient(baseURL: adminURL, credentials: profile.triggerCredentials, tls: profile.triggerTLS, group: group)
    }
}
