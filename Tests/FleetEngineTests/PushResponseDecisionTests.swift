import Testing

@testable import FleetEngine

/// The responder's decision (``FleetRunContext/Responder/decide(using:)``): drop, return code and
/// handling time from the profile's settings and the session's generator.
@Suite("Responder decision")
struct PushResponseDecisionTests {
    typealias Responder = FleetRunContext.Responder

    static func responder(
        handlingTime: HandlingTime = .constant(nanoseconds: 0),
        failureFraction: Double = 0,
        noResponseFraction: Double = 0
    ) -> Responder {
        Responder(
            handlingTime: handlingTime,
            returnCode: 0,
            failureFraction: failureFraction,
            failureReturnCode: -2_147_024_891,
            noResponseFraction: noResponseFraction
        )
    }

    /// The fractions `Double.random(in: 0..<1)` draws from `random`, in turn.
    static func draws(_ count: Int, from random: ScriptedRandom) -> [Double] {
        var copy = random
        return (0..<count).map { _ in Double.random(in: 0..<1, using: &copy) }
    }

    @Test("defaults: answer success at once, and draw nothing")
    func defaults() {
        var random = ScriptedRandom([7, 8])
        #expect(Self.responder().decide(using: &random) == .respond(returnCode: 0, delay: 0))
        #expect(random.next() == 7)
    }

    @Test("a draw below the no-response fraction drops the push; at or above it answers")
    func noResponse() {
        let random = ScriptedRandom([0x5555_5555_5555_5555, 0x2222_2222_2222_2222])
        let draw = Self.draws(1, from: random)[0]
        var below = random
        #expect(Self.responder(noResponseFraction: draw.nextUp).decide(using: &below) == .drop)
        var at = random
        #expect(Self.responder(noResponseFraction: draw).decide(using: &at) == .respond(returnCode: 0, delay: 0))
        var all = random
        #expect(Self.responder(noResponseFraction: 1).decide(using: &all) == .drop)
    }

    @Test("a draw below the failure fraction answers the failure code; the no-response draw comes first")
    func failureCode() {
        let random = ScriptedRandom([0x5555_5555_5555_5555, 0x9999_9999_9999_9999])
        let draws = Self.draws(2, from: random)
        let fails = Self.responder(failureFraction: draws[1].nextUp, noResponseFraction: draws[0])
        var a = random
        #expect(fails.decide(using: &a) == .respond(returnCode: fails.failureReturnCode, delay: 0))
        var b = random
        #expect(Self.responder(failureFraction: draws[1], noResponseFraction: draws[0]).decide(using: &b) == .respond(returnCode: 0, delay: 0))
        var c = random
        #expect(Self.responder(failureFraction: 1, noResponseFraction: draws[0].nextUp).decide(using: &c) == .drop)
        // Without a no-response fraction the first draw decides the failure.
        var d = random
        #expect(Self.responder(failureFraction: draws[0].nextUp).decide(using: &d) == .respond(returnCode: fails.failureReturnCode, delay: 0))
    }

    @Test("the delay is the handling time's sample")
    func handlingTime() {
        var random = ScriptedRandom([3])
        #expect(Self.responder(handlingTime: .constant(nanoseconds: 2_000_000)).decide(using: &random) == .respond(returnCode: 0, delay: 2_000_000))
        let uniform = HandlingTime.uniform(minimum: 1_000, maximum: 9_000)
        var a = ScriptedRandom([0xDEAD_BEEF_0000_0001, 0x1234])
        var b = a
        let expected = uniform.sample(using: &b)
        #expect(Self.responder(handlingTime: uniform).decide(using: &a) == .respond(returnCode: 0, delay: expected))
        #expect((1_000...9_000).contains(expected))
    }
}
