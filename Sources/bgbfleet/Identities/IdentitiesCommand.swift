import ArgumentParser
import FleetIdentity

/// `bgbfleet identities`: build and inspect the on-disk identity pool.
struct IdentitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identities",
        abstract: "Generate, register and inspect the pool of client identities (SMSID, SMS certificate, key).",
        subcommands: [Generate.self, Import.self, Register.self, List.self, Show.self, Cleanup.self]
    )
}

/// `--key` values.
enum IdentityKeyOption: String, ExpressibleByArgument, CaseIterable {
    case rsa2048
    case p256

    var keyType: IdentityKeyType {
        switch self {
        case .rsa2048: return .rsa2048
        case .p256: return .p256
        }
    }
}
