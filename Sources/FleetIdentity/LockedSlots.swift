import Foundation

/// Fixed slots filled from several threads, one value per slot.
final class LockedSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]

    init(count: Int) {
        values = Array(repeating: nil, count: count)
    }

    subscript(slot: Int) -> Value? {
        get { lock.withLock { values[slot] } }
        set { lock.withLock { values[slot] = newValue } }
    }

    /// Takes all values out, in slot order.
    func drain() -> [Value?] {
        lock.withLock {
            defer { values = [] }
            return values
        }
    }
}

/// Runs `body` for `0 ..< count` on all cores (the caller's thread among them) and returns the results in order, or rethrows the error of the lowest failing iteration.
func concurrentMap<T: Sendable>(count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    if count == 0 { return [] }
    if count == 1 { return [try body(0)] }
    let slots = LockedSlots<Result<T, any Error>>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { slot in
        slots[slot] = Result { try body(slot) }
    }
    return try slots.drain().map { try $0!.get() }
}
