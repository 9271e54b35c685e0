import FleetIdentity
import Foundation
import TestSupport
import Testing

/// `identities generate --name-prefix`: the NetBIOS names a site recognises the fleet by.
@Suite("Pool name prefix")
struct PoolNamePrefixTests {
    @Test("a pool created with a prefix names every identity with it, keeps it across reopening and extension")
    func prefixPersists() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, chunkSize: 2, namePrefix: "LOADT")
            try await pool.generate(count: 3)
            #expect(pool.namePrefix == "LOADT")
            #expect(try pool.loadAll().map(\.netbiosName) == ["LOADT0000000", "LOADT0000001", "LOADT0000002"])

            var reopened = try IdentityPool.openOrCreate(at: pool.directory, keyType: nil)
            #expect(reopened.namePrefix == "LOADT")
            try await reopened.generate(count: 5)
            #expect(try reopened.loadAll().map(\.netbiosName).allSatisfy { $0.hasPrefix("LOADT") })
            #expect(try reopened.loadAll().count == 5)
        }
    }

    @Test("a pool made without a prefix (and pools from before it existed) keep BGBSIM")
    func defaultPrefix() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256)
            try await pool.generate(count: 2)
            #expect(pool.namePrefix == "BGBSIM")
            #expect(try pool.loadAll().map(\.netbiosName) == ["BGBSIM0000000", "BGBSIM0000001"])
            let manifest = try String(contentsOf: pool.directory.appendingPathComponent("manifest.json"), encoding: .utf8)
            #expect(!manifest.contains("namePrefix"))
        }
    }

    @Test("extending a pool with another prefix is refused, naming both")
    func mismatch() async throws {
        try await withTemporaryDirectory { directory in
            _ = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, namePrefix: "LOADT")
            #expect {
                _ = try IdentityPool.openOrCreate(at: directory.child("pool"), keyType: nil, namePrefix: "OTHER")
            } throws: { error in
                "\(error)".contains("LOADT") && "\(error)".contains("OTHER")
            }
        }
    }

    @Test("prefixes that would not make a NetBIOS name a query rule finds are refused", arguments: [
        "", "TOOLONGX", "lower", "AB_C", "1ABC", "AB C",
    ])
    func invalid(prefix: String) async throws {
        #expect(Identity.checkNamePrefix(prefix) != nil)
        try await withTemporaryDirectory { directory in
            #expect(throws: IdentityPoolError.self) {
                _ = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, namePrefix: prefix)
            }
        }
    }

    @Test("the longest prefix with the largest index stays within 15 characters")
    func longest() {
        #expect(Identity.checkNamePrefix("LOAD-07") == nil)
        #expect(Identity.netbiosName(forIndex: IdentityPool.maximumCount - 1, prefix: "LOAD-07").count <= 15)
    }
}
