import BGBClient
import Testing

@Suite("HTTP poll scheduling and the 990 guard")
struct HTTPPollSchedulerTests {
    static let second: UInt64 = 1_000_000_000

    @Test("continuous: quick empty answers back off 1 s doubling to the interval; a held answer or a message resets")
    func continuous() {
        var scheduler = BGBHTTPPollScheduler(mode: .continuous, minimumDelayNanoseconds: Self.second, maximumDelayNanoseconds: 5 * Self.second)
        let quick = Self.second / 10
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == Self.second)
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == 2 * Self.second)
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == 4 * Self.second)
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == 5 * Self.second)
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == 5 * Self.second)
        // A push resets: poll again at once.
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: true, othersOutstanding: false) == 0)
        #expect(scheduler.answered(afterNanoseconds: quick, carriedMessage: false, othersOutstanding: false) == Self.second)
        // A held answer (at least the minimum delay) resets too.
        #expect(scheduler.answered(afterNanoseconds: 30 * Self.second, carriedMessage: false, othersOutstanding: false) == 0)
        #expect(scheduler.delayNanoseconds == 0)
    }

    @Test("an answer while another Continue is outstanding neither polls nor moves the delay")
    func overlapping() {
        var scheduler = BGBHTTPPollScheduler(mode: .continuous, minimumDelayNanoseconds: Self.second, maximumDelayNanoseconds: 900 * Self.second)
        #expect(scheduler.answered(afterNanoseconds: 0, carriedMessage: false, othersOutstanding: false) == Self.second)
        #expect(scheduler.answered(afterNanoseconds: 0, carriedMessage: false, othersOutstanding: true) == nil)
        #expect(scheduler.delayNanoseconds == Self.second)
    }

    @Test("sdk mode never polls on its own")
    func sdk() {
        var scheduler = BGBHTTPPollScheduler(mode: .sdk, minimumDelayNanoseconds: Self.second, maximumDelayNanoseconds: 900 * Self.second)
        #expect(scheduler.answered(afterNanoseconds: 0, carriedMessage: false, othersOutstanding: false) == nil)
        #expect(scheduler.answered(afterNanoseconds: 60 * Self.second, carriedMessage: true, othersOutstanding: false) == nil)
    }

    @Test("990: three re-logins within 60 s are allowed, the fourth is refused; old ones age out")
    func reLogInGuard() {
        var guardian = BGBHTTPReLogInGuard(limit: 3, windowNanoseconds: 60 * Self.second)
        let start = 1_000 * Self.second
        var allowed: [Bool] = []
        for offset: UInt64 in [0, 10, 20, 30, 100] {
            allowed.append(guardian.sessionEnded(atNanoseconds: start + offset * Self.second))
        }
        // The fourth within 60 s is refused; 70 s after it the first three have aged out.
        #expect(allowed == [true, true, true, false, true])
        #expect(guardian.recentCount == 1)
    }
}
