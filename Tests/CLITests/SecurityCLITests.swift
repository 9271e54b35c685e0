import Foundation
import Testing

/// Trust and credential flags: bad input is refused before anything connects (exit 2, naming the
/// file or variable), and a trigger token never appears in argv, output or reports.
@Suite("Command line: security")
struct SecurityCLITests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLITests.Result {
        try await CLITests.run(arguments, environment: environment, timeout: 120)
    }

    @Test("an unreadable CA file, a malformed pin, a half-set environment, a token on the command line: exit 2 naming the file, flag or variable")
    func badInput() async throws {
        let ca = try await Self.run(["run", "--mp-ca", "/nonexistent/ca.pem"])
        #expect(ca.status == 2)
        #expect(ca.stderr.contains("/nonexistent/ca.pem"))
        let pin = try await Self.run(["run", "--mp-pin", "sha1/AAAA"])
        #expect(pin.status == 2)
        #expect(pin.stderr.contains("--mp-pin") && pin.stderr.contains("sha256/BASE64"))
        let user = try await Self.run(["run", "--duration", "1s"], environment: ["BGBFLEET_TRIGGER_USER": "svc"])
        #expect(user.status == 2)
        #expect(user.stderr.contains("BGBFLEET_TRIGGER_PASSWORD"))
        let token = try await Self.run(["mp-sim", "--admin-token", "visible"])
        #expect(token.status == 2)
        #expect(token.stderr.contains("--admin-token-file"))
        let tokenFile = try await Self.run(["mp-sim", "--admin-token-file", "/nonexistent/token"])
        #expect(tokenFile.status == 2)
        #expect(tokenFile.stderr.contains("/nonexistent/token"))
        let clientCA = try await Self.run(["mp-sim", "--client-ca", "/nonexistent/client-ca.pem"])
        #expect(clientCA.status == 2)
        #expect(clientCA.stderr.contains("/nonexistent/client-ca.pem"))
        let half = try await Self.run(["mp-sim", "--server-cert", "/nonexistent/server.pem"])
        #expect(half.status == 2)
        #expect(half.stderr.contains("--server-key-file"))
        let register = try await Self.run(["identities", "register", "--mp", "https://127.0.0.1:1", "--out", "/nonexistent/pool", "--mp-pin", "bad"])
        #expect(register.status == 2)
    }

    @Test("a trigger token read from a file appears in no argv, output line, plan or report; the summary says how the MP was validated")
    func tokenStaysSecret() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = directory.appendingPathComponent("pool").path
        let generate = try await Self.run(["identities", "generate", "--count", "5", "--out", pool, "--key", "p256"])
        #expect(generate.status == 0, "\(generate.stderr)")
        let secret = "never-print-me-\(UUID().uuidString)"
        let tokenFile = directory.appendingPathComponent("token").path
        try (secret + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let profile = directory.appendingPathComponent("secret.yaml").path
        try """
            sessions: 5
            rate: 50
            duration: 3s
            trigger-auth: {bearer-file: \(tokenFile)}
            triggers:
              - {at: 1s, type: 8}
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        let reports = directory.appendingPathComponent("reports").path
        let arguments = ["run", "--profile", profile, "--identities", pool, "--output", reports, "--quiet"]
        #expect(!arguments.contains { $0.contains(secret) })
        let result = try await Self.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(secret))
        #expect(!result.stderr.contains(secret))
        #expect(result.stdout.contains("server certificate not validated"))
        for file in try FileManager.default.contentsOfDirectory(atPath: reports) {
            let data = try Data(contentsOf: URL(fileURLWithPath: reports).appendingPathComponent(file))
            #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(file)")
        }
        let summary = try String(contentsOfFile: reports + "/summary.json", encoding: .utf8)
        #expect(summary.contains("bearer credentials from file"))
    }
}

extension SecurityCLITests {
    @Test("identities generate --ca-cert/--ca-key and identities import refuse bad input before touching the pool (exit 2, naming the file or variable)")
    func identitiesBadInput() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-pki-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = directory.appendingPathComponent("pool").path
        let half = try await Self.run(["identities", "generate", "--count", "1", "--out", pool, "--ca-cert", "/nonexistent/ca.pem"])
        #expect(half.status == 2)
        #expect(half.stderr.contains("--ca-key"))
        let missing = try await Self.run(["identities", "generate", "--count", "1", "--out", pool, "--ca-cert", "/nonexistent/ca.pem", "--ca-key", "/nonexistent/ca.key"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/ca.pem"))
        #expect(!FileManager.default.fileExists(atPath: pool + "/manifest.json"))
        let noVariable = try await Self.run(["identities", "import", "--identities", pool, "--pfx", "/nonexistent/a.pfx", "--password-env", "BGBFLEET_TEST_UNSET_PFX_PASSWORD"])
        #expect(noVariable.status == 2)
        #expect(noVariable.stderr.contains("BGBFLEET_TEST_UNSET_PFX_PASSWORD"))
        let noFile = try await Self.run(
            ["identities", "import", "--identities", pool, "--pfx", "/nonexistent/a.pfx", "--password-env", "PFX_PASSWORD"],
            environment: ["PFX_PASSWORD": "x"]
        )
        #expect(noFile.status == 2)
        #expect(noFile.stderr.contains("/nonexistent/a.pfx"))
        let pem = try await Self.run(["identities", "import", "--identities", pool, "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/c.key"])
        #expect(pem.status == 2)
        #expect(pem.stderr.contains("/nonexistent/c.pem"))
        #expect(!FileManager.default.fileExists(atPath: pool + "/manifest.json"))
    }
}
