import Testing

@testable import FleetSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Open-file limit")
struct OpenFileLimitTests {
    @Test("raise() leaves the soft limit at the hard limit (or OPEN_MAX) and reports what is in force")
    func raise() throws {
        let limit = try #require(OpenFileLimit.raise())
        #expect(limit.soft <= limit.hard)
        #if canImport(Darwin)
        #expect(limit.soft == min(limit.hard, Int(OPEN_MAX)))
        #else
        // Linux caps a raise at fs.nr_open: an unlimited hard limit cannot be reached.
        if limit.hard != Int.max { #expect(limit.soft == limit.hard) }
        #endif
        var now = rlimit()
        #if os(Linux)
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &now) == 0)
        #else
        #expect(getrlimit(RLIMIT_NOFILE, &now) == 0)
        #endif
        #expect(now.rlim_cur == rlim_t(limit.soft) || (limit.soft == Int.max && now.rlim_cur > rlim_t(Int.max)))
    }

    @Test("the soft limit asked for: the hard limit, clamped to OPEN_MAX where defined, never lower than now")
    func target() {
        #if canImport(Darwin)
        #expect(OpenFileLimit.target(soft: 256, hard: 1024) == 1024)
        #expect(OpenFileLimit.target(soft: 256, hard: rlim_t.max) == rlim_t(OPEN_MAX))
        #else
        #expect(OpenFileLimit.target(soft: 1024, hard: 524_288) == 524_288)
        #expect(OpenFileLimit.target(soft: 1024, hard: rlim_t.max) == rlim_t.max)
        #endif
        #expect(OpenFileLimit.target(soft: 1024, hard: 1024) == 1024)
        #expect(OpenFileLimit.target(soft: 2048, hard: 1024) == 2048)
    }
}
