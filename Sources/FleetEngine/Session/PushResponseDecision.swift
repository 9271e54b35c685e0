/// What a simulated client does with one push, decided by the run's responder settings
/// (``FleetRunContext/Responder``) and the session's random generator.
enum PushResponseDecision: Hashable, Sendable {
    /// No Response at all (`no-response-fraction`): the push is dropped.
    case drop
    /// Respond with `returnCode` after `delay` nanoseconds (0: at once).
    case respond(returnCode: Int32, delay: UInt64)
}

extension FleetRunContext.Responder {
    /// Decides one push. Draws, in this order and only when the setting needs them: one for the
    /// no-response fraction, one for the failure fraction, then the handling time's own draws.
    ///
    /// - A draw below `noResponseFraction` drops the push (nothing else is drawn).
    /// - A draw below `failureFraction` answers `failureReturnCode`, otherwise `returnCode`.
    /// - The delay is a sample of `handlingTime`.
    func decide<G: RandomNumberGenerator>(using random: inout G) -> PushResponseDecision {
        if noResponseFraction > 0, Double.random(in: 0..<1, using: &random) < noResponseFraction {
            return .drop
        }
        let code: Int32
        if failureFraction > 0, Double.random(in: 0..<1, using: &random) < failureFraction {
            code = failureReturnCode
        } else {
            code = returnCode
        }
        return .respond(returnCode: code, delay: handlingTime.sample(using: &random))
    }
}
