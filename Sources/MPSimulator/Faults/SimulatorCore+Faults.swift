import BGBProtocol
import NIOConcurrencyHelpers
import NIOCore

extension SimulatorCore {
    /// A random `fraction` (0…1) of the online sessions, optionally of one channel type.
    func sampleOnlineSessions(fraction: Double, channelType: ChannelType?) -> [(SMSID, SessionRef)] {
        let online = directory.onlineSessions().filter { session in
            if case .foreign = session.1 { return false }
            return channelType == nil || session.1.channelType == channelType
        }
        let count = Int((Double(online.count) * min(max(fraction, 0), 1)).rounded())
        return Array(online.shuffled().prefix(count))
    }

    /// Closes a fraction of the sessions: TCP closes the connection; HTTP ends the session so its
    /// held poll (or its next Continue) gets 990.
    func closeSessions(fraction: Double, channelType: ChannelType?) -> Int {
        let chosen = sampleOnlineSessions(fraction: fraction, channelType: channelType)
        for (_, session) in chosen { end(session, reason: .faultInjected, answer: .sessionEnded) }
        if !chosen.isEmpty {
            logger.notice("fault: closed sessions", metadata: ["count": "\(chosen.count)"])
        }
        return chosen.count
    }

    /// The bytes of a fault frame (TCP framing; the HTTP answer reuses the payload).
    func faultFrame(_ kind: FaultFrame) -> BGBFrame {
        switch kind {
        case .disconnect:
            return BGBMessage.disconnect(timeStamp: timeStamp()).frame()
        case .negotiationNeeded:
            var payload = ByteBuffer()
            payload.writeString("<BgbNegotiationNeededMessage TimeStamp=\"")
            payload.writeBGBTimeStamp(timeStamp())
            payload.writeString("\"/>")
            return BGBFrame(channel: .negotiationNeeded, payload: payload)
        case .zeroLength:
            return BGBFrame(channel: .disconnect, payload: ByteBuffer())
        }
    }

    /// Sends a fault frame to a fraction of the online sessions; returns how many were chosen.
    func sendFaultFrame(_ kind: FaultFrame, fraction: Double, channelType: ChannelType?) -> Int {
        let chosen = sampleOnlineSessions(fraction: fraction, channelType: channelType)
        let frame = faultFrame(kind)
        var buffer = ByteBuffer()
        buffer.writeBGBFrame(frame)
        let bytes = buffer
        for (_, session) in chosen {
            switch session {
            case .tcp(let handler):
                handler.eventLoop.execute { [self] in
                    if handler.sendFaultFrame(bytes) { update { $0.faultFramesSent += 1 } }
                }
            case .http(let id, let number):
                deliverHTTP(id, number: number, frame: frame, push: nil)
                update { $0.faultFramesSent += 1 }
            case .foreign:
                break
            }
        }
        if !chosen.isEmpty {
            logger.notice("fault: sent frames", metadata: ["frame": "\(kind.rawValue)", "count": "\(chosen.count)"])
        }
        return chosen.count
    }

    /// Closes every session and HTTP connection (restart, shutdown), waiting until each loop did.
    func closeEverything(reason: CloseReason) async {
        let sessions = httpSessions.withLockedValue { $0.removeAll() }
        for session in sessions { finishRemoved(session, reason: reason, answer: .sessionEnded) }
        for registry in allRegistries {
            try? await registry.eventLoop.submit { registry.closeAll(reason: reason) }.get()
        }
    }
}
