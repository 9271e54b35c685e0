import NIOCore

/// The keep-alive timers of every TCP session on one event loop: one ordered heap and one
/// scheduled task for the earliest deadline, instead of a scheduled task per session.
///
/// Why: SwiftNIO runs its scheduled tasks only after it has handled every socket that one
/// `epoll_wait` returned. During a push to all sessions a loop has thousands of sockets ready at
/// once, and a keep-alive timer due in that window waited for all of them (p99 123–335 ms at
/// 19,000 sessions). Here the sessions' own reads poll the heap as well (``readArrived()``, every
/// ``pollInterval`` reads: a counter, and a clock read when it wraps), so a keep-alive that falls
/// due while the loop works through a burst goes out within a few reads, not after the burst.
/// The scheduled task still fires it when the loop is idle.
///
/// One instance per event loop, used only on that loop (the fleet keeps one per loop; a handler
/// made without one gets its own). The heap holds a scheduled handler strongly until it fires or
/// is cancelled, and each handler knows its slot, so a cancel is O(log n) and nothing stays behind
/// for a closed session.
public final class BGBKeepAliveTimers {
    /// The loop whose sessions these are.
    public let eventLoop: EventLoop
    /// Reads between two polls of the heap from the read path.
    public static let pollInterval: UInt32 = 16

    private struct Entry {
        var deadline: UInt64
        var handler: BGBClientChannelHandler
    }

    private var heap: [Entry] = []
    /// The deadline of the scheduled task that will fire next (nil: none pending).
    private var armedDeadline: UInt64?
    private var readsSincePoll: UInt32 = 0
    /// The clock a poll reads (uptime nanoseconds); nil: the loop's.
    private let clock: (() -> UInt64)?

    /// - Parameters:
    ///   - eventLoop: the loop every handler using these timers runs on.
    ///   - clock: the clock a poll from the read path reads; nil (the default) reads the loop's
    ///     (tests move it without running the loop's scheduled tasks).
    public init(eventLoop: EventLoop, clock: (() -> UInt64)? = nil) {
        self.eventLoop = eventLoop
        self.clock = clock
    }

    /// Keep-alives scheduled and not fired or cancelled.
    public var count: Int { heap.count }

    /// The earliest deadline (uptime nanoseconds), nil when none is scheduled.
    public var nextDeadline: UInt64? { heap.first?.deadline }

    /// Schedules (or moves) `handler`'s keep-alive to `deadline` (uptime nanoseconds).
    func schedule(_ handler: BGBClientChannelHandler, at deadline: UInt64) {
        eventLoop.preconditionInEventLoop()
        if handler.keepAliveSlot >= 0 {
            let slot = handler.keepAliveSlot
            precondition(heap[slot].handler === handler, "keep-alive slot of another handler")
            let earlier = deadline < heap[slot].deadline
            heap[slot].deadline = deadline
            if earlier { siftUp(slot) } else { siftDown(slot) }
        } else {
            heap.append(Entry(deadline: deadline, handler: handler))
            handler.keepAliveSlot = heap.count - 1
            siftUp(heap.count - 1)
        }
        arm()
    }

    /// Removes `handler`'s keep-alive, if scheduled.
    func cancel(_ handler: BGBClientChannelHandler) {
        let slot = handler.keepAliveSlot
        guard slot >= 0 else { return }
        precondition(heap[slot].handler === handler, "keep-alive slot of another handler")
        remove(at: slot)
    }

    /// Called by a session's read: every ``pollInterval`` reads, fires the keep-alives that are due.
    @inline(__always)
    func readArrived() {
        readsSincePoll &+= 1
        if readsSincePoll >= Self.pollInterval {
            readsSincePoll = 0
            poll()
        }
    }

    /// Fires every keep-alive due by the loop's clock now.
    public func poll() {
        guard let first = heap.first else { return }
        let now = clock?() ?? eventLoop.now.uptimeNanoseconds
        if first.deadline <= now { fireDue(now: now) }
    }

    /// Fires what is due at `now`, at most one round of the heap (a keep-alive so late that its
    /// next deadline is due too waits for the next poll instead of looping here).
    private func fireDue(now: UInt64) {
        var budget = heap.count
        while budget > 0, let first = heap.first, first.deadline <= now {
            budget -= 1
            let handler = first.handler
            remove(at: 0)
            handler.keepAliveFired()
        }
    }

    /// Makes sure a scheduled task fires at the earliest deadline. A task armed for a later
    /// deadline is left to fire (it then finds nothing due): cancelling a NIO task searches the
    /// loop's whole task queue.
    private func arm() {
        guard let first = heap.first?.deadline else { return }
        if let armedDeadline, armedDeadline <= first { return }
        armedDeadline = first
        eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(first)) {
            if self.armedDeadline == first { self.armedDeadline = nil }
            self.poll()
            self.arm()
        }
    }

    private func remove(at slot: Int) {
        heap[slot].handler.keepAliveSlot = -1
        let last = heap.count - 1
        if slot != last {
            heap[slot] = heap[last]
            heap[slot].handler.keepAliveSlot = slot
            heap.removeLast()
            siftDown(slot)
            siftUp(slot)
        } else {
            heap.removeLast()
        }
    }

    private func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    private func siftDown(_ start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            let right = left + 1
            var smallest = parent
            if heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    private func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heap[a].handler.keepAliveSlot = a
        heap[b].handler.keepAliveSlot = b
    }
}
