/// Errors of the simulator's public API.
public enum MPSimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidConfiguration(MPSimulatorConfigurationError)
    /// The state directory (server certificate) cannot be used.
    case stateDirectory(String)
    /// The file-descriptor limit cannot hold the expected sessions.
    case capacity(String)
    /// A listener could not bind.
    case bind(listener: String, address: String, reason: String)
    case alreadyStarted
    case notRunning
    /// `TargetCollectionID` names no collection.
    case unknownCollection(String)
    case unknownOperation(OperationID)
    /// A request argument is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let error): "invalid configuration: \(error)"
        case .stateDirectory(let reason): "state directory: \(reason)"
        case .capacity(let reason): reason
        case .bind(let listener, let address, let reason): "cannot listen (\(listener)) on \(address): \(reason)"
        case .alreadyStarted: "the MP simulator is already started"
        case .notRunning: "the MP simulator is not running"
        case .unknownCollection(let id): "collection \(id) does not exist"
        case .unknownOperation(let id): "client operation \(id) does not exist"
        case .invalidArgument(let reason): reason
        }
    }
}
