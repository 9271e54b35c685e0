import BGBClient
import BGBProtocol
import FleetIdentity

/// Identities from an on-disk pool, loaded once (raw DER) and parsed per connect.
public struct PoolIdentitySource: FleetIdentitySource {
    public let identities: [Identity]
    /// Session `i` uses pool identity `i - sessionOffset`: 0, except for a worker whose pool holds
    /// only its own slice of the fleet (a slice pool starting at the slice's first session).
    public var sessionOffset = 0

    public init(pool: IdentityPool, range: Range<Int>) throws {
        self.identities = try pool.load(range: range)
    }

    /// Identities `range` of a pool that holds sessions `sessionOffset…` of the fleet.
    public init(pool: IdentityPool, range: Range<Int>, sessionOffset: Int) throws {
        self.identities = try pool.load(range: range)
        self.sessionOffset = sessionOffset
    }

    /// The loaded identity session `index` uses.
    public func identity(forSession index: Int) -> Identity {
        identities[index - sessionOffset - (identities.first?.index ?? 0)]
    }

    public init(identities: [Identity]) {
        self.identities = identities
    }

    public var count: Int { identities.count }

    public func rawCredentials(for index: Int) throws -> FleetRawCredentials {
        let identity = identity(forSession: index)
        return FleetRawCredentials(
            smsID: try SMSID(identity.smsid.rawValue),
            certificateDER: identity.smsCertificate.certificateDER,
            privateKeyDER: identity.smsCertificate.privateKeyDER
        )
    }
}
