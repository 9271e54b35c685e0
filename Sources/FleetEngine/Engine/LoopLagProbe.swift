import FleetMetrics
import NIOCore

/// Measures each event loop's own lag: a task scheduled every 100 ms records how late it ran.
/// High lag means the generator, not the MP, is the bottleneck (the summary flags it).
final class LoopLagProbe {
    static let period: Int64 = 100_000_000
    let eventLoop: EventLoop
    let metrics: FleetMetrics
    private var timer: Scheduled<Void>?
    private var stopped = false

    init(eventLoop: EventLoop, metrics: FleetMetrics) {
        self.eventLoop = eventLoop
        self.metrics = metrics
    }

    func start() {
        schedule(intended: NIODeadline.now() + .nanoseconds(Self.period))
    }

    private func schedule(intended: NIODeadline) {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: intended) {
            let probe = bound.value
            let now = NIODeadline.now()
            probe.metrics.record(.loopLag, nanoseconds: UInt64(max(0, (now - intended).nanoseconds)))
            probe.schedule(intended: now + .nanoseconds(Self.period))
        }
    }

    func stop() {
        stopped = true
        timer?.cancel()
        timer = nil
    }
}
