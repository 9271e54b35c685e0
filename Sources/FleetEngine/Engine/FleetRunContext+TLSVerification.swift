import NIOConcurrencyHelpers

extension FleetRunContext {
    /// At most this many distinct refusals are logged; all are counted (`errors.tls_verify`).
    static let tlsVerificationLogLimit = 10

    /// Logs a refused MP certificate (subject and SHA-256 thumbprint are in `text`) the first time
    /// it is seen, up to ``tlsVerificationLogLimit`` distinct ones; the count is `errors.tls_verify`.
    func noteTLSVerificationFailure(session index: Int, _ text: String) {
        let first = tlsVerificationsLogged.withLockedValue { logged in
            guard logged.count < Self.tlsVerificationLogLimit, !logged.contains(text) else { return false }
            logged.insert(text)
            return true
        }
        if first {
            log("session \(index): \(text) (counted as errors.tls_verify; the run goes on with the sessions that validate)")
        }
    }
}
