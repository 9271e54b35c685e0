import BGBProtocol

/// Everything one session's state machine needs to know.
public struct BGBSessionConfiguration: Hashable, Sendable {
    public var smsID: SMSID
    public var clientVersion: ClientVersion
    /// The keep-alive interval (spec default 900 s).
    public var keepAliveIntervalNanoseconds: UInt64
    /// This session's phase within the interval (0 = `sdk-phase`: fire exactly every interval).
    public var keepAlivePhaseNanoseconds: UInt64
    /// How long to wait for SignInConfirm (spec §8.3: 60 s).
    public var signInTimeoutNanoseconds: UInt64
    /// Close and reconnect when no SignInConfirm comes (instead of starting keep-alives anyway).
    public var strictSignIn: Bool
    /// Close on a PayloadSize-0 frame, as the SDK does.
    public var sdkStrictFraming: Bool
    public var timestamps: BGBTimestampStyle

    public init(
        smsID: SMSID,
        clientVersion: ClientVersion = .sdkDefault,
        keepAliveIntervalNanoseconds: UInt64 = 900_000_000_000,
        keepAlivePhaseNanoseconds: UInt64 = 0,
        signInTimeoutNanoseconds: UInt64 = 60_000_000_000,
        strictSignIn: Bool = false,
        sdkStrictFraming: Bool = false,
        timestamps: BGBTimestampStyle = .sdk(localOffsetMinutes: 0)
    ) {
        precondition(keepAliveIntervalNanoseconds > 0, "the keep-alive interval must be positive")
        precondition(keepAlivePhaseNanoseconds < keepAliveIntervalNanoseconds, "the phase lies within the interval")
        self.smsID = smsID
        self.clientVersion = clientVersion
        self.keepAliveIntervalNanoseconds = keepAliveIntervalNanoseconds
        self.keepAlivePhaseNanoseconds = keepAlivePhaseNanoseconds
        self.signInTimeoutNanoseconds = signInTimeoutNanoseconds
        self.strictSignIn = strictSignIn
        self.sdkStrictFraming = sdkStrictFraming
        self.timestamps = timestamps
    }
}

/// How the generator writes TimeStamps (spec §3.2).
public enum BGBTimestampStyle: Hashable, Sendable {
    /// Byte-compatible with the SDK: UTC trimmed fraction for SignIn/KeepAlive, local time with
    /// offset for Response.
    case sdk(localOffsetMinutes: Int)
    /// Whole seconds `Z` everywhere, as Microsoft's client logs show.
    case native

    /// The SDK style with this machine's current UTC offset.
    public static func sdkLocal() -> BGBTimestampStyle { .sdk(localOffsetMinutes: BGBTimeStamp.localOffsetMinutes()) }

    func signInStamp(_ epochNanoseconds: Int64) -> BGBTimeStamp {
        switch self {
        case .sdk: BGBTimeStamp(epochNanoseconds: epochNanoseconds, style: .utcTrimmedFraction)
        case .native: BGBTimeStamp(epochNanoseconds: epochNanoseconds, style: .utcWholeSeconds)
        }
    }

    func responseStamp(_ epochNanoseconds: Int64) -> BGBTimeStamp {
        switch self {
        case .sdk(let offset):
            BGBTimeStamp(epochNanoseconds: epochNanoseconds, style: .localTrimmedFraction(offsetMinutes: offset))
        case .native: BGBTimeStamp(epochNanoseconds: epochNanoseconds, style: .utcWholeSeconds)
        }
    }
}
