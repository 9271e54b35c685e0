import BGBProtocol

/// Why a ConfigMgr messaging body (registration request or reply) is malformed.
public enum CCMMessagingError: Error, Hashable, Sendable, CustomStringConvertible {
    case multipart(CCMMultipart.Error)
    case partCount(Int)
    case text(UTF16LE.Error)
    case zlib(Zlib.Error)
    case envelope(String)
    case payload(String)
    case signature(String)

    public var description: String {
        switch self {
        case .multipart(let error): "multipart: \(error)"
        case .partCount(let count): "expected 2 multipart parts (envelope and payload), found \(count)"
        case .text(let error): "text: \(error)"
        case .zlib(let error): "payload: \(error)"
        case .envelope(let reason): "<Msg> envelope: \(reason)"
        case .payload(let reason): "payload: \(reason)"
        case .signature(let reason): "signature: \(reason)"
        }
    }
}
