import FleetIdentity
import Foundation
import TestSupport
import Testing

/// A worker's slice derived from the run ID and its first session (`worker --generate-identities`).
@Suite("Derived identities")
struct IdentityDerivationTests {
    static func generate(_ directory: URL, _ derivation: IdentityDerivation, count: Int, keyType: IdentityKeyType = .p256) async throws -> [Identity] {
        var pool = try IdentityPool.openOrCreate(at: directory, keyType: keyType, derivation: derivation)
        try await pool.generate(count: count, jobs: 2)
        return try IdentityPool.open(at: directory).loadAll()
    }

    @Test("the same seed and first session give the same SMSIDs, names and P-256 keys on any host, whatever the slice size")
    func sameSeedSameIdentities() async throws {
        try await withTemporaryDirectory { directory in
            let whole = try await Self.generate(directory.child("a"), IdentityDerivation(seed: "run-7", firstIndex: 0), count: 10)
            let again = try await Self.generate(directory.child("b"), IdentityDerivation(seed: "run-7", firstIndex: 0), count: 10)
            let slice = try await Self.generate(directory.child("c"), IdentityDerivation(seed: "run-7", firstIndex: 6), count: 4)
            #expect(whole.map(\.smsid) == again.map(\.smsid))
            #expect(whole.map(\.privateKeyDER) == again.map(\.privateKeyDER))
            #expect(Array(whole[6...]).map(\.smsid) == slice.map(\.smsid))
            #expect(Array(whole[6...]).map(\.netbiosName) == slice.map(\.netbiosName))
            #expect(Array(whole[6...]).map(\.privateKeyDER) == slice.map(\.privateKeyDER))
            #expect(slice.map(\.netbiosName) == ["BGBSIM0000006", "BGBSIM0000007", "BGBSIM0000008", "BGBSIM0000009"])
            #expect(slice.map(\.index) == [0, 1, 2, 3], "pool indexes stay the pool's own")
            #expect(Set(whole.map(\.smsid)).count == 10)
        }
    }

    @Test("another seed gives other SMSIDs and keys; the SMSIDs are canonical version-4 GUIDs")
    func otherSeedOtherIdentities() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await Self.generate(directory.child("a"), IdentityDerivation(seed: "run-7", firstIndex: 0), count: 8)
            let second = try await Self.generate(directory.child("b"), IdentityDerivation(seed: "run-8", firstIndex: 0), count: 8)
            #expect(Set(first.map(\.smsid)).isDisjoint(with: second.map(\.smsid)))
            #expect(Set(first.map(\.privateKeyDER)).isDisjoint(with: second.map(\.privateKeyDER)))
            for identity in first + second {
                #expect(PoolSMSID(identity.smsid.rawValue.lowercased()) == identity.smsid)
                #expect(Array(identity.smsid.guid)[14] == "4")
                #expect("89AB".contains(Array(identity.smsid.guid)[19]))
            }
        }
    }

    @Test("RSA-2048 slices derive SMSIDs and names; their keys stay random")
    func rsaKeepsRandomKeys() async throws {
        try await withTemporaryDirectory { directory in
            let derivation = IdentityDerivation(seed: "rsa-run", firstIndex: 3)
            let first = try await Self.generate(directory.child("a"), derivation, count: 2, keyType: .rsa2048)
            let second = try await Self.generate(directory.child("b"), derivation, count: 2, keyType: .rsa2048)
            #expect(first.map(\.smsid) == second.map(\.smsid))
            #expect(first.map(\.netbiosName) == ["BGBSIM0000003", "BGBSIM0000004"])
            #expect(first.map(\.privateKeyDER) != second.map(\.privateKeyDER))
        }
    }

    @Test("a pool is grown with its own derivation and refuses another one; its directory name keeps seeds apart")
    func poolKeepsItsDerivation() async throws {
        try await withTemporaryDirectory { directory in
            let derivation = IdentityDerivation(seed: "run/7 ü", firstIndex: 4)
            let first = try await Self.generate(directory.child("pool"), derivation, count: 2)
            var reopened = try IdentityPool.openOrCreate(at: directory.child("pool"), keyType: nil)
            #expect(reopened.derivation == derivation)
            try await reopened.generate(count: 5)
            let grown = try reopened.loadAll()
            #expect(Array(grown.prefix(2)) == first)
            let expected = try await Self.generate(directory.child("fresh"), derivation, count: 5)
            #expect(grown.map(\.smsid) == expected.map(\.smsid))
            #expect(throws: IdentityPoolError.self) {
                _ = try IdentityPool.openOrCreate(at: directory.child("pool"), keyType: nil, derivation: IdentityDerivation(seed: "run/7 ü", firstIndex: 5))
            }
            #expect(derivation.directoryName.hasPrefix("run_7__-"))
            #expect(derivation.directoryName.hasSuffix("-from-4"))
            #expect(derivation.directoryName != IdentityDerivation(seed: "run_7__", firstIndex: 4).directoryName)
        }
    }
}
