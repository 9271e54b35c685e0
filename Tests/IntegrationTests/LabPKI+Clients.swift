import BGBProtocol
import FleetEngine
import Foundation
import TestSupport
import X509

extension LabPKI {
    /// `count` client-authentication identities issued by the CA.
    func clients(_ count: Int) throws -> [FleetRawCredentials] {
        try (0..<count).map { index in
            let (certificate, key) = try issue(
                commonName: "client-\(index).lab.test",
                extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) }
            )
            return FleetRawCredentials(
                smsID: try SMSID(guid: UUID().uuidString),
                certificateDER: try TestCertificateAuthority.der(certificate),
                privateKeyDER: Array(key.derRepresentation)
            )
        }
    }
}

/// Identities held in memory (a pool issued by a test CA).
struct MemoryIdentitySource: FleetIdentitySource {
    let identities: [FleetRawCredentials]
    var count: Int { identities.count }
    func rawCredentials(for index: Int) throws -> FleetRawCredentials { identities[index] }
}
