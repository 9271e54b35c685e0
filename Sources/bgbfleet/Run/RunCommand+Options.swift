import ArgumentParser
import FleetEngine
import FleetMetrics
import Logging

/// `bgbfleet run` options for sign-in and diagnostics, in their own group (one file, so the
/// command's own option list stays readable).
struct RunSessionOptions: ParsableArguments {
    @Option(
        name: .customLong("signin-timeout"),
        help: """
            How long a session waits for SignInConfirm (default 60s; profile key signin-timeout). \
            No confirmation in time is a failed sign-in (errors.signin_timeout) and the session \
            reconnects by its reconnect policy.
            """
    )
    var signInTimeout: String?

    @Option(
        help: """
            The most sessions between connect and sign-in at once, per process (default 256 per \
            core; 0: no bound; profile key max-handshakes). A session due while the bound is \
            reached starts when a handshake ends, and its lateness is reported (start_late): asked \
            for more than it can do, the generator does the most it can instead of timing out.
            """
    )
    var maxHandshakes: Int?

    @Option(help: "Log level of the diagnostic log on stderr (the embedded simulator's and the engine's).")
    var logLevel: Logger.Level = .warning

    /// Applies the options to `profile`; bad values are usage errors (exit 2).
    func apply(to profile: inout FleetProfile) throws {
        if let signInTimeout {
            guard let value = DurationText.nanoseconds(signInTimeout) else {
                throw CommandFailure.badInput("--signin-timeout \(signInTimeout): not a duration (use ms, s, m or h, e.g. 30s)")
            }
            guard value >= 1_000_000_000, value <= 3_600_000_000_000 else {
                throw CommandFailure.badInput("--signin-timeout \(signInTimeout): must be 1s…1h")
            }
            profile.signInTimeout = value
        }
        if let maxHandshakes {
            guard (0...1_000_000).contains(maxHandshakes) else {
                throw CommandFailure.badInput("--max-handshakes \(maxHandshakes): must be 0 (no bound) … 1000000")
            }
            profile.maxHandshakes = maxHandshakes
        }
    }
}
