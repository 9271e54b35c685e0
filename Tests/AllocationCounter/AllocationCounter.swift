internal import CAllocationCounter

/// The calling thread's heap allocations, counted by `CAllocationCounter`'s malloc interposer.
///
/// A Swift module of its own (the C module imported `internal`) so that test targets which also
/// see BoringSSL and the system's libcrypto never import a C module themselves: clang would then
/// compare those two libraries' same-named declarations and refuse the build.
public enum AllocationCounter {
    /// Whether counting works here (Linux with glibc, no sanitizer).
    public static var isAvailable: Bool { bgb_allocation_counter_available() == 1 }

    /// The allocations made by `body` on this thread (0 where counting is not available).
    public static func count(_ body: () throws -> Void) rethrows -> Int {
        bgb_allocation_counter_start()
        do {
            try body()
        } catch {
            _ = bgb_allocation_counter_stop()
            throw error
        }
        return bgb_allocation_counter_stop()
    }
}
