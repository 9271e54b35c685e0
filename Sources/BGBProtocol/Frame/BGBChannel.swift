/// The `Channel` field of a BGB frame header: the message type (`BgbMessageType` in the SDK).
///
/// An open set: values outside 0…7 can appear on the wire and are carried as they are.
public struct BGBChannel: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Client → MP, the first message of every session.
    public static let signIn = BGBChannel(rawValue: 0)
    /// MP → client, the answer to SignIn.
    public static let signInConfirm = BGBChannel(rawValue: 1)
    /// Client → MP, every keep-alive interval.
    public static let keepAlive = BGBChannel(rawValue: 2)
    /// MP → client: the push.
    public static let request = BGBChannel(rawValue: 3)
    /// Client → MP, the answer to a push.
    public static let response = BGBChannel(rawValue: 4)
    /// Never sent by the SDK; an MP-sent one with a payload is ignored by the SDK.
    public static let disconnect = BGBChannel(rawValue: 5)
    /// Closes an SDK session when received.
    public static let negotiationNeeded = BGBChannel(rawValue: 6)
    /// Only seen as the channel of the empty HTTP idle answer.
    public static let none = BGBChannel(rawValue: 7)

    /// Whether the value is one of the eight channels the protocol defines.
    public var isKnown: Bool { rawValue <= 7 }

    /// The SDK's name for the channel, or `Channel(n)` for an unknown one.
    public var name: String {
        switch rawValue {
        case 0: "SignIn"
        case 1: "SignInConfirm"
        case 2: "KeepAlive"
        case 3: "Request"
        case 4: "Response"
        case 5: "Disconnect"
        case 6: "NegotiationNeeded"
        case 7: "None"
        default: "Channel(\(rawValue))"
        }
    }

    public var description: String { "\(rawValue) (\(name))" }
}
