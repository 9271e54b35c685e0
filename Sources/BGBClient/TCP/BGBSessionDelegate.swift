import BGBProtocol

/// Receives a session's events, on the session's event loop. The fleet engine's per-session object
/// and ``BGBClient``'s async adapter implement it.
public protocol BGBSessionDelegate: AnyObject {
    /// SignIn went out (the transport and TLS are up).
    func sessionDidSendSignIn(_ session: BGBClientChannelHandler, atNanoseconds: UInt64)
    /// SignInConfirm arrived (`confirmed`), or the wait ended in lenient mode.
    func sessionDidSignIn(_ session: BGBClientChannelHandler, confirmed: Bool, atNanoseconds: UInt64)
    /// A push arrived. Answer it with ``BGBClientChannelHandler/respond(to:returnCode:)``, now or later.
    func session(_ session: BGBClientChannelHandler, didReceive request: BGBRequest, atNanoseconds: UInt64)
    /// A Response was flushed to the socket.
    func session(_ session: BGBClientChannelHandler, didFlushResponseTo request: BGBRequest, atNanoseconds: UInt64)
    /// A keep-alive went out, `latenessNanoseconds` after its intended time.
    func session(_ session: BGBClientChannelHandler, didSendKeepAliveLate latenessNanoseconds: UInt64)
    /// The session survived something the protocol does not expect.
    func session(_ session: BGBClientChannelHandler, didSurvive anomaly: BGBAnomaly)
    /// Bytes moved on the wire (TLS payload of BGB frames).
    func session(_ session: BGBClientChannelHandler, didTransferBytesIn bytesIn: Int, out bytesOut: Int)
    /// The session ended; `reason` says why.
    func session(_ session: BGBClientChannelHandler, didCloseWith reason: BGBCloseReason)
}
