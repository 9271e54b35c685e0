import BGBClient
import BGBProtocol
import FleetMetrics
import NIOCore

/// The protocol session's events: sign-in and close go to the state machine; pushes, responses,
/// keep-alives and bytes are measured here.
extension FleetSession: BGBSessionDelegate, BGBHTTPSessionObserver {
    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds now: UInt64) {
        // `tls` is TCP only: on HTTP, SignIn follows the LogIn round trip, not a handshake.
        if machine.transport == .tcp { shared.metrics.record(.tls, nanoseconds: now &- tcpConnectedAt) }
    }

    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds now: UInt64) {
        shared.metrics.record(.connect, nanoseconds: now &- attemptStartedAt)
        handle(.signedIn)
    }

    func sessionWillLogInAgain(_ session: BGBHTTPSession, count: Int) {
        // 990: the MP forgot the session; the HTTP session logs in again at once (spec §8.4).
        attemptStartedAt = NIODeadline.now().uptimeNanoseconds
        unanswered.removeAll()
        handle(.httpLogInAgain)
    }

    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) {
        handler = nil
        channel = nil
        httpSession = nil
        unanswered.removeAll()
        handle(.closed(reason))
    }

    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds now: UInt64) {
        pushes += 1
        counters.add(.pushesReceived, shard: counterShard)
        let trigger = shared.triggers.trigger(forPushID: request.pushID, taskType: request.taskType.rawValue)
        if let trigger {
            trigger.reached.wrappingIncrement(ordering: .relaxed)
            let fanout = now &- trigger.sentAt
            trigger.recordFanout(fanout)
            shared.metrics.record(.fanout, nanoseconds: fanout)
        }
        switch shared.responder.decide(using: &random) {
        case .drop:
            session.dropPush()
        case .respond(let returnCode, let delay):
            unanswered.insert(pushID: request.pushID, taskID: request.taskID, receivedAt: now, trigger: trigger)
            let code = ReturnCode(rawValue: returnCode)
            if delay == 0 {
                session.respond(to: request, returnCode: code)
            } else {
                let handler = NIOLoopBound(session, eventLoop: eventLoop)
                eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay))) {
                    handler.value.respond(to: request, returnCode: code)
                }
            }
        }
    }

    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds now: UInt64) {
        responses += 1
        counters.add(.responsesSent, shard: counterShard)
        guard let (received, trigger) = unanswered.remove(pushID: request.pushID, taskID: request.taskID) else { return }
        shared.metrics.record(.response, nanoseconds: now &- received)
        if let trigger {
            trigger.answered.wrappingIncrement(ordering: .relaxed)
            shared.metrics.record(.e2e, nanoseconds: now &- trigger.sentAt)
        }
    }

    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) {
        keepAlives += 1
        counters.add(.keepalivesSent, shard: counterShard)
        shared.metrics.record(.keepaliveLate, nanoseconds: latenessNanoseconds)
    }

    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) {
        counters.add(.protocolAnomalies, shard: counterShard)
    }

    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) {
        if bytesIn > 0 { counters.add(.bytesIn, UInt64(bytesIn), shard: counterShard) }
        if bytesOut > 0 { counters.add(.bytesOut, UInt64(bytesOut), shard: counterShard) }
    }
}
