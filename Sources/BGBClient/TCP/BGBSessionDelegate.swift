import BGBProtocol

/// A live session, as its delegate sees it: TCP + TLS or HTTP long-poll. Call on the session's
/// event loop.
public protocol BGBSession: AnyObject {
    /// Answers a push, echoing its PushID and TaskID.
    func respond(to request: BGBRequest, returnCode: ReturnCode)
    /// Records that a push will not be answered.
    func dropPush()
    /// Closes the session (TCP: TLS close; HTTP: LogOut).
    func close()
}

/// Receives a session's events, on the session's event loop. The fleet engine's per-session object
/// and ``BGBClient``'s async adapter implement it.
public protocol BGBSessionDelegate: AnyObject {
    /// SignIn went out (the transport and TLS are up).
    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds: UInt64)
    /// SignInConfirm arrived (`confirmed`), or the wait ended in lenient mode.
    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds: UInt64)
    /// A push arrived. Answer it with ``BGBSession/respond(to:returnCode:)``, now or later.
    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds: UInt64)
    /// A Response was flushed to the socket.
    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds: UInt64)
    /// A keep-alive went out, `latenessNanoseconds` after its intended time.
    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64)
    /// The session survived something the protocol does not expect.
    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly)
    /// Bytes moved on the wire (TLS payload of BGB frames).
    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int)
    /// The session ended; `reason` says why.
    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason)
}
