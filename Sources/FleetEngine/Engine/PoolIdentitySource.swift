import BGBClient
import BGBProtocol
import FleetIdentity

/// Identities from an on-disk pool, loaded once (raw DER) and parsed per connect.
public struct PoolIdentitySource: FleetIdentitySource {
    public let identities: [Identity]

    public init(pool: IdentityPool, range: Range<Int>) throws {
        self.identities = try pool.load(range: range)
    }

    public init(identities: [Identity]) {
        self.identities = identities
    }

    public var count: Int { identities.count }

    public func rawCredentials(for index: Int) throws -> FleetRawCredentials {
        let identity = identities[index - (identities.first?.index ?? 0)]
        return FleetRawCredentials(
            smsID: try SMSID(identity.smsid.rawValue),
            certificateDER: identity.smsCertificate.certificateDER,
            privateKeyDER: identity.smsCertificate.privateKeyDER
        )
    }
}
