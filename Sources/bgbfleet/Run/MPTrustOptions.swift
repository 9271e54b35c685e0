import ArgumentParser
import Foundation
import BGBClient
import FleetEngine

/// `--mp-ca` and `--mp-pin`: how the MP's certificate is checked (TCP 10123, the HTTPS fallback,
/// registration). Without them nothing is checked, as the ConfigMgr client does.
struct MPTrustOptions: ParsableArguments {
    @Option(
        name: .customLong("mp-ca"),
        help: ArgumentHelp(
            "Validate the MP's certificate: it must chain to a CA of this PEM bundle and name the host dialled (DNS name or IP address).",
            valueName: "file"
        )
    )
    var mpCA: String?

    @Option(
        name: .customLong("mp-pin"),
        help: ArgumentHelp(
            "Accept only an MP certificate with this public key: sha256/BASE64 of its SubjectPublicKeyInfo, as curl --pinnedpubkey (repeatable; with --mp-ca both must hold).",
            valueName: "sha256/base64"
        )
    )
    var mpPin: [String] = []

    /// The validation the flags ask for, or nil when neither is given (the profile's stands).
    func serverValidation() throws -> BGBTLSOptions.ServerValidation? {
        try Self.trust(caFile: mpCA, pins: mpPin, caFlag: "--mp-ca", pinFlag: "--mp-pin").map { .verified($0) }
    }

    /// ``BGBServerTrust/load(caFile:pins:)`` with its errors as bad input naming the flag.
    static func trust(caFile: String?, pins: [String], caFlag: String, pinFlag: String) throws -> BGBServerTrust? {
        do {
            return try BGBServerTrust.load(caFile: caFile, pins: pins)
        } catch {
            if case .malformedPin = error { throw CommandFailure.badInput("\(pinFlag): \(error)") }
            throw CommandFailure.badInput("\(caFlag): \(error)")
        }
    }
}

/// The security flags of `bgbfleet run`: MP trust, the HTTPS scheme of the fallback, and the
/// trigger credentials of the environment (``TriggerCredentials``) when the profile has none.
struct RunSecurityOptions: ParsableArguments {
    @OptionGroup var mpTrust: MPTrustOptions

    @OptionGroup var triggerTrust: TriggerTrustOptions

    @Flag(
        name: .customLong("https"),
        help: "The MP's HTTP port speaks HTTPS (any port, not only 443): the long-poll fallback and --transport http."
    )
    var https = false

    /// Applies the flags over the profile's settings.
    func apply(to profile: inout FleetProfile) throws {
        if let validation = try mpTrust.serverValidation() { profile.tls.serverValidation = validation }
        if https { profile.httpScheme = .https }
        if let triggerTLS = try triggerTrust.adminServiceTLS() { profile.triggerTLS = triggerTLS }
        if profile.triggerCredentials == nil {
            do {
                profile.triggerCredentials = try TriggerCredentials.fromEnvironment(ProcessInfo.processInfo.environment)
            } catch {
                throw CommandFailure.badInput("\(error)")
            }
        }
    }
}

/// `--trigger-ca`, `--trigger-pin`, `--trigger-insecure`: how an `https://` AdminService's
/// certificate is checked (`run`, `identities cleanup`).
struct TriggerTrustOptions: ParsableArguments {
    @Option(
        name: .customLong("trigger-ca"),
        help: ArgumentHelp("Validate an https:// trigger URL against this PEM CA bundle instead of the system store.", valueName: "file")
    )
    var triggerCA: String?

    @Option(
        name: .customLong("trigger-pin"),
        help: ArgumentHelp("Accept only an AdminService certificate with this public key (sha256/BASE64, repeatable).", valueName: "sha256/base64")
    )
    var triggerPin: [String] = []

    @Flag(
        name: .customLong("trigger-insecure"),
        help: "Do not validate the AdminService's certificate (labs only; reported at start and in the summary)."
    )
    var triggerInsecure = false

    /// The validation the flags ask for, or nil when none is given (the profile's, or the system store, stands).
    func adminServiceTLS() throws -> AdminServiceTLS? {
        if let trust = try MPTrustOptions.trust(caFile: triggerCA, pins: triggerPin, caFlag: "--trigger-ca", pinFlag: "--trigger-pin") {
            guard !triggerInsecure else { throw CommandFailure.badInput("--trigger-insecure contradicts --trigger-ca/--trigger-pin") }
            return .verified(trust)
        }
        return triggerInsecure ? .insecure : nil
    }
}
