import NIOCore

/// Every BGB message (spec §3), one case per channel.
public enum BGBMessage: Hashable, Sendable {
    case signIn(BGBSignIn)
    case signInConfirm(BGBSignInConfirm)
    case keepAlive(BGBKeepAlive)
    case request(BGBRequest)
    case response(BGBResponse)
    /// Channel 5. `timeStamp` nil means an empty payload.
    case disconnect(timeStamp: BGBTimeStamp?)
    /// Channel 6; the payload is carried as it is (its format is unknown).
    case negotiationNeeded(payload: ByteBuffer)
    /// Channel 7, the empty HTTP idle answer.
    case none

    /// The channel this message travels on.
    public var channel: BGBChannel {
        switch self {
        case .signIn: .signIn
        case .signInConfirm: .signInConfirm
        case .keepAlive: .keepAlive
        case .request: .request
        case .response: .response
        case .disconnect: .disconnect
        case .negotiationNeeded: .negotiationNeeded
        case .none: .none
        }
    }

    /// The XML root element name of each channel.
    public static func rootName(for channel: BGBChannel) -> String? {
        switch channel {
        case .signIn: "BgbSignInMessage"
        case .signInConfirm: "BgbSignInConfirmMessage"
        case .keepAlive: "BgbKeepAliveMessage"
        case .request: "BgbRequestMessage"
        case .response: "BgbResponseMessage"
        case .disconnect: "BgbDisconnectMessage"
        default: nil
        }
    }
}

/// Why a frame's payload is not the message its channel says.
public enum BGBMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    case xml(XMLError)
    case unexpectedRoot(channel: BGBChannel, expected: String, found: String)
    case missingElement(String, in: String)
    case missingTimeStamp(in: String)
    case invalidValue(element: String, value: String, reason: String)
    case unknownChannel(BGBChannel)

    public var description: String {
        switch self {
        case .xml(let error): "payload XML: \(error)"
        case .unexpectedRoot(let channel, let expected, let found):
            "channel \(channel) carries <\(found)>, expected <\(expected)>"
        case .missingElement(let name, let root): "<\(root)> has no <\(name)> element"
        case .missingTimeStamp(let root): "<\(root)> has no TimeStamp attribute"
        case .invalidValue(let element, let value, let reason): "<\(element)> value \"\(value)\": \(reason)"
        case .unknownChannel(let channel): "no message is defined for channel \(channel)"
        }
    }
}
