/// Extra events of an HTTP session. A ``BGBSessionDelegate`` that also adopts this protocol
/// receives them.
public protocol BGBHTTPSessionObserver: AnyObject {
    /// The MP answered 990 and the session logs in again at once (spec §4.6); `count` is the
    /// number of re-logins of this session so far.
    func sessionWillLogInAgain(_ session: BGBHTTPSession, count: Int)
}
