/// `BgbSignInMessage` (channel 0, client → MP), spec §3.3.
public struct BGBSignIn: Hashable, Sendable {
    public var timeStamp: BGBTimeStamp
    public var clientID: SMSID
    /// Always `SCCM` from real clients.
    public var clientType: String
    public var clientVersion: ClientVersion

    public init(
        timeStamp: BGBTimeStamp,
        clientID: SMSID,
        clientType: String = "SCCM",
        clientVersion: ClientVersion = .sdkDefault
    ) {
        self.timeStamp = timeStamp
        self.clientID = clientID
        self.clientType = clientType
        self.clientVersion = clientVersion
    }
}

/// `BgbSignInConfirmMessage` (channel 1, MP → client), spec §3.4.
public struct BGBSignInConfirm: Hashable, Sendable {
    public var timeStamp: BGBTimeStamp
    /// Any string; the SDK never reads it. The MP sim sends `1.0`.
    public var messageVersion: String

    public init(timeStamp: BGBTimeStamp, messageVersion: String = "1.0") {
        self.timeStamp = timeStamp
        self.messageVersion = messageVersion
    }
}

/// `BgbKeepAliveMessage` (channel 2, client → MP), spec §3.5.
public struct BGBKeepAlive: Hashable, Sendable {
    public var timeStamp: BGBTimeStamp
    public var clientID: SMSID
    public var clientType: String

    public init(timeStamp: BGBTimeStamp, clientID: SMSID, clientType: String = "SCCM") {
        self.timeStamp = timeStamp
        self.clientID = clientID
        self.clientType = clientType
    }
}

/// `BgbRequestMessage` (channel 3, MP → client): the push, spec §3.6.
public struct BGBRequest: Hashable, Sendable {
    public var timeStamp: BGBTimeStamp
    public var pushID: Int32
    public var taskID: Int32
    /// The `UniqueID` of the client action, as sent (compare with ``normalizedTaskGuid``).
    public var taskGuid: String
    public var taskType: TaskType
    /// Base64 or empty; nil when the element is absent.
    public var taskParam: String?

    public init(
        timeStamp: BGBTimeStamp,
        pushID: Int32,
        taskID: Int32,
        taskGuid: String,
        taskType: TaskType,
        taskParam: String? = ""
    ) {
        self.timeStamp = timeStamp
        self.pushID = pushID
        self.taskID = taskID
        self.taskGuid = taskGuid
        self.taskType = taskType
        self.taskParam = taskParam
    }

    /// TaskGuid upper-cased with braces stripped, for case-insensitive comparison.
    public var normalizedTaskGuid: String {
        GUIDText.canonical(taskGuid) ?? taskGuid.uppercased()
    }
}

/// `BgbResponseMessage` (channel 4, client → MP), spec §3.7.
public struct BGBResponse: Hashable, Sendable {
    public var timeStamp: BGBTimeStamp
    public var pushID: Int32
    public var taskID: Int32
    public var returnCode: ReturnCode

    public init(timeStamp: BGBTimeStamp, pushID: Int32, taskID: Int32, returnCode: ReturnCode = .success) {
        self.timeStamp = timeStamp
        self.pushID = pushID
        self.taskID = taskID
        self.returnCode = returnCode
    }

    /// The answer to `request`, echoing both IDs unchanged.
    public init(answering request: BGBRequest, timeStamp: BGBTimeStamp, returnCode: ReturnCode = .success) {
        self.init(timeStamp: timeStamp, pushID: request.pushID, taskID: request.taskID, returnCode: returnCode)
    }
}
