import FleetIdentity
import Foundation
import TestSupport
import Testing

/// The run's pool policy: a named pool must exist and hold enough; the default pool is created and filled.
@Suite("Identity pool policy")
struct IdentityPoolPolicyTests {
    static let named = IdentityPoolPolicy(explicitPath: "/pools/lab", defaultPath: "/cache/identities-rsa2048")
    static let defaultPool = IdentityPoolPolicy(explicitPath: nil, defaultPath: "/cache/identities-rsa2048")

    @Test("a named pool is used as it is, never created or extended; a missing or short one is an error that says how to make it")
    func namedPool() throws {
        #expect(Self.named.path == "/pools/lab")
        #expect(try Self.named.decision(available: 10, sessions: 10, needed: 10) == .use)
        // A shard reads only its share of the sessions.
        #expect(try Self.named.decision(available: 4, sessions: 10, needed: 4) == .use)
        #expect(throws: IdentityPoolPolicyError.missing(path: "/pools/lab", sessions: 10)) {
            try Self.named.decision(available: nil, sessions: 10, needed: 10)
        }
        #expect(throws: IdentityPoolPolicyError.tooSmall(path: "/pools/lab", sessions: 10, needed: 10, available: 9)) {
            try Self.named.decision(available: 9, sessions: 10, needed: 10)
        }
        #expect(
            "\(IdentityPoolPolicyError.missing(path: "/pools/lab", sessions: 10))"
                == "identity pool /pools/lab: no manifest.json (create it with `bgbfleet identities generate --count 10 --identities /pools/lab`)"
        )
        #expect(
            "\(IdentityPoolPolicyError.tooSmall(path: "/pools/lab", sessions: 10, needed: 10, available: 9))"
                == "10 sessions need 10 identities; the pool /pools/lab has 9: run `bgbfleet identities generate --count 10 --identities /pools/lab`"
        )
    }

    @Test("the default pool is generated up to the session count when missing or short, and used when large enough")
    func defaultPoolDecision() throws {
        #expect(Self.defaultPool.path == "/cache/identities-rsa2048")
        #expect(Self.defaultPool.defaultKeyType == .rsa2048)
        #expect(try Self.defaultPool.decision(available: nil, sessions: 10, needed: 10) == .generate(upTo: 10))
        #expect(try Self.defaultPool.decision(available: 3, sessions: 10, needed: 10) == .generate(upTo: 10))
        #expect(try Self.defaultPool.decision(available: 10, sessions: 10, needed: 10) == .use)
        #expect(try Self.defaultPool.decision(available: 50, sessions: 10, needed: 10) == .use)
    }

    @Test("opening: the default pool is created (parents too) and filled once; a named directory without a pool is refused")
    func openOnDisk() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.child("cache/identities").path
            let policy = IdentityPoolPolicy(explicitPath: nil, defaultPath: path, defaultKeyType: .p256)
            var announced: [Int] = []
            let pool = try await policy.open(sessions: 3, needed: 3, willGenerate: { announced.append($0) })
            #expect(pool.count == 3)
            #expect(pool.keyType == .p256)
            #expect(announced == [3])
            let grown = try await policy.open(sessions: 5, needed: 5, willGenerate: { announced.append($0) })
            #expect(grown.count == 5)
            let reused = try await policy.open(sessions: 4, needed: 4, willGenerate: { announced.append($0) })
            #expect(reused.count == 5)
            #expect(announced == [3, 2])

            let named = IdentityPoolPolicy(explicitPath: path, defaultPath: "/unused")
            #expect(try await named.open(sessions: 5, needed: 5).count == 5)
            await #expect(throws: IdentityPoolPolicyError.tooSmall(path: path, sessions: 6, needed: 6, available: 5)) {
                try await named.open(sessions: 6, needed: 6)
            }
            let empty = directory.child("empty").path
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
            await #expect(throws: IdentityPoolPolicyError.missing(path: empty, sessions: 2)) {
                try await IdentityPoolPolicy(explicitPath: empty, defaultPath: "/unused").open(sessions: 2, needed: 2)
            }
            #expect(FileManager.default.fileExists(atPath: empty + "/manifest.json") == false)
        }
    }
}
