import ArgumentParser
import BGBClient
import FleetEngine
import Logging
import MPSimulator

// Option values that are a fixed set are typed: ArgumentParser lists them in --help, offers them
// to shell completion and rejects anything else as a usage error (exit 2) before a command runs.
// Each type is a String-backed CaseIterable enum; the default ExpressibleByArgument
// implementation parses the raw value.

extension BGBTLSOptions.Version: ExpressibleByArgument {}
extension FleetProfile.Transport: ExpressibleByArgument {}
extension MPSimulatorConfiguration.TLSProtocolVersion: ExpressibleByArgument {}
extension MPSimulatorConfiguration.ServerKeyType: ExpressibleByArgument {}
extension MPSimulatorConfiguration.TLSEngine: ExpressibleByArgument {}
extension MPSimulatorConfiguration.ClientCertificatePolicy: ExpressibleByArgument {}
extension MPSimulatorConfiguration.IdentityCheck: ExpressibleByArgument {}
extension MPSimulatorConfiguration.SignatureVerification: ExpressibleByArgument {}
extension MPSimulatorConfiguration.Approval: ExpressibleByArgument {}
extension MPSimulatorConfiguration.TimestampStyle: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
