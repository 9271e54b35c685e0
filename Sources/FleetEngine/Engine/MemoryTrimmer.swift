#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap pages back to the system.
///
/// A TLS handshake allocates far more than an idle session keeps (NIOSSL's read and BIO buffers,
/// BoringSSL's handshake state), and glibc keeps the high-water mark of a ramp resident unless
/// asked. Trimming once the ramp is over makes RSS show what the fleet holds, not what its
/// handshakes once needed. Called from the interval loop, never on the hot path.
enum MemoryTrimmer {
    #if canImport(Glibc)
    /// glibc's `malloc_trim` (declared in <malloc.h>, which the Glibc module does not export).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    static func trim() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }
}
