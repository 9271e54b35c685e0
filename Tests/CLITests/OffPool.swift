import Foundation

/// Runs `body` — blocking work such as waiting for a process or reading its pipes to the end — on
/// a thread of its own and returns its result. Test functions run on Swift's cooperative pool,
/// which has one thread per core: CLI tests blocking it for the seconds a process runs starved
/// the rest of the suite (simulator tests saw their time-outs fire late by tens of seconds).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
