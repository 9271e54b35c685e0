import Foundation
import NIOConcurrencyHelpers

/// Runs `body` for `0 ..< count` on all cores (the caller's thread among them) and returns the results in order, or rethrows the error of the lowest failing iteration.
func concurrentMap<T: Sendable>(count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    if count == 0 { return [] }
    if count == 1 { return [try body(0)] }
    let slots = NIOLockedValueBox([Result<T, any Error>?](repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { slot in
        let result = Result { try body(slot) }
        slots.withLockedValue { $0[slot] = result }
    }
    return try slots.withLockedValue { $0 }.map { try $0!.get() }
}
