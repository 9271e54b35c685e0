import FleetEngine
import Foundation
import Testing

/// `trigger-command`: a small shell script stands in for `curl --negotiate` / PowerShell.
@Suite("Trigger command and trigger credentials")
struct TriggerCommandTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-trigger-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes an executable script and returns its path.
    func script(_ body: String) throws -> String {
        let path = directory.appendingPathComponent("fake-curl-\(UUID().uuidString).sh").path
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        return path
    }

    @Test("the command gets Type, collection, a ResourceIDs file and Param in its environment; its JSON OperationID is returned")
    func success() async throws {
        let seen = directory.appendingPathComponent("seen.txt").path
        let fake = try script("""
            {
              echo "type=$BGBFLEET_TRIGGER_TYPE"
              echo "collection=$BGBFLEET_TRIGGER_COLLECTION"
              echo "count=$BGBFLEET_TRIGGER_RESOURCE_ID_COUNT"
              echo "param=$BGBFLEET_TRIGGER_PARAM"
              echo "url=$BGBFLEET_TRIGGER_URL"
              echo "ids=$(tr '\\n' ',' < "$BGBFLEET_TRIGGER_RESOURCE_IDS_FILE")"
            } > \(seen)
            echo "some progress line"
            echo '{"OperationID": 16777301, "ReturnValue": 0}'
            """)
        let command = TriggerCommand(command: fake, timeout: 10_000_000_000, triggerURL: "https://sms.lab.test/AdminService")
        let id = try await command.initiateClientOperation(type: 135, collectionID: "LAB00012", resourceIDs: [16_777_216, 16_777_217], param: "PFNjcmlwdD4=")
        #expect(id == 16_777_301)
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [
            "type=135", "collection=LAB00012", "count=2", "param=PFNjcmlwdD4=", "url=https://sms.lab.test/AdminService",
            "ids=16777216,16777217,",
        ])
    }

    @Test("a non-zero exit, a missing OperationID, a non-zero ReturnValue and a time-out each fail the trigger")
    func failures() async throws {
        let exit = TriggerCommand(command: try script("echo 'HTTP 401 Unauthorized' >&2\nexit 22"), timeout: 10_000_000_000)
        await #expect(throws: TriggerCommandError.exit(status: 22, stderr: "HTTP 401 Unauthorized\n")) {
            try await exit.initiateClientOperation(type: 8, collectionID: "SMS00001", resourceIDs: [], param: nil)
        }
        let malformed = TriggerCommand(command: try script("echo 'not json'"), timeout: 10_000_000_000)
        await #expect(throws: TriggerCommandError.self) {
            try await malformed.initiateClientOperation(type: 8, collectionID: "SMS00001", resourceIDs: [], param: nil)
        }
        let refused = TriggerCommand(command: try script("echo '{\"OperationID\": 5, \"ReturnValue\": 2}'"), timeout: 10_000_000_000)
        await #expect(throws: TriggerCommandError.returnValue(2)) {
            try await refused.initiateClientOperation(type: 8, collectionID: "SMS00001", resourceIDs: [], param: nil)
        }
        let slow = TriggerCommand(command: "exec sleep 30", timeout: 300_000_000)
        let started = Date()
        await #expect(throws: TriggerCommandError.timeout(seconds: 0.3)) {
            try await slow.initiateClientOperation(type: 8, collectionID: "SMS00001", resourceIDs: [], param: nil)
        }
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("credentials from a file or the environment authorize, and never show in descriptions")
    func credentials() throws {
        let tokenFile = directory.appendingPathComponent("token").path
        try "s3cret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let bearer = try TriggerCredentials.read(scheme: .bearer, file: tokenFile, key: "trigger-auth.bearer-file")
        #expect(bearer.authorization == "Bearer s3cret-token")
        for text in [bearer.description, bearer.debugDescription, "\(bearer)", String(reflecting: bearer), String(describing: Mirror(reflecting: bearer).children.map(\.value))] {
            #expect(!text.contains("s3cret"))
        }
        let basicFile = directory.appendingPathComponent("basic").path
        try "LAB\\svc-bgb:pa55\n".write(toFile: basicFile, atomically: true, encoding: .utf8)
        let basic = try TriggerCredentials.read(scheme: .basic, file: basicFile, key: "trigger-auth.basic-file")
        #expect(basic.authorization == "Basic " + Data("LAB\\svc-bgb:pa55".utf8).base64EncodedString())

        #expect(try TriggerCredentials.fromEnvironment([:]) == nil)
        #expect(try TriggerCredentials.fromEnvironment(["BGBFLEET_TRIGGER_TOKEN": "t"])?.authorization == "Bearer t")
        #expect(try TriggerCredentials.fromEnvironment(["BGBFLEET_TRIGGER_USER": "u", "BGBFLEET_TRIGGER_PASSWORD": "p"])?.scheme == .basic)
    }

    @Test("a missing file, an empty one, a basic file without USER:PASSWORD and a half-set environment are errors naming the file or variable")
    func badCredentials() throws {
        do {
            _ = try TriggerCredentials.read(scheme: .bearer, file: "/nonexistent/token", key: "trigger-auth.bearer-file")
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.description.contains("/nonexistent/token"))
        }
        let empty = directory.appendingPathComponent("empty").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(throws: FleetConfigurationError.self) { try TriggerCredentials.read(scheme: .bearer, file: empty, key: "k") }
        let noColon = directory.appendingPathComponent("nocolon").path
        try "justauser\n".write(toFile: noColon, atomically: true, encoding: .utf8)
        #expect(throws: FleetConfigurationError.self) { try TriggerCredentials.read(scheme: .basic, file: noColon, key: "k") }
        do {
            _ = try TriggerCredentials.fromEnvironment(["BGBFLEET_TRIGGER_USER": "u"])
            Issue.record("a user without a password was accepted")
        } catch {
            #expect(error.description.contains("BGBFLEET_TRIGGER_PASSWORD"))
        }
    }

    @Test("profiles read trigger-auth from a file, trigger-command, and tls.verify with a CA file or pins")
    func profileKeys() throws {
        let tokenFile = directory.appendingPathComponent("token2").path
        try "tok\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let profile = try FleetProfile(yaml: """
            trigger-auth: {bearer-file: \(tokenFile)}
            trigger-command: ./fire.sh
            trigger-command-timeout: 5s
            http-scheme: https
            http-port: 8443
            tls:
              verify: pin
              pins: ["sha256/\(Data(repeating: 1, count: 32).base64EncodedString())"]
            """)
        #expect(profile.triggerCredentials?.authorization == "Bearer tok")
        #expect(profile.triggerCommand == "./fire.sh")
        #expect(profile.triggerCommandTimeout == 5_000_000_000)
        #expect(profile.usesHTTPS)
        guard case .verified(let trust) = profile.tls.serverValidation else {
            Issue.record("tls.verify: pin did not turn validation on")
            return
        }
        #expect(trust.pins.count == 1)
        #expect(profile.summary["server_validation"]?.contains("1 pinned public key") == true)
        #expect(profile.summary["trigger_auth"]?.contains("tok\n") == false)
        #expect(FleetProfile().summary["server_validation"]?.contains("not validated") == true)
        #expect(try FleetProfile(yaml: "trigger-tls: {verify: insecure}").triggerTLS == .insecure)
        #expect(try FleetProfile(yaml: "trigger-tls: {verify: system}").triggerTLS == .system)
        let pinned = try FleetProfile(yaml: "trigger-tls: {pins: [\"sha256/\(Data(repeating: 2, count: 32).base64EncodedString())\"]}")
        guard case .verified(let triggerTrust) = pinned.triggerTLS else {
            Issue.record("trigger-tls pins did not turn validation on")
            return
        }
        #expect(triggerTrust.pins.count == 1)

        for (yaml, fragment) in [
            ("tls: {verify: ca}", "needs tls.ca"),
            ("trigger-tls: {verify: pin}", "needs trigger-tls.pins"),
            ("trigger-tls: {verify: none}", "use system, insecure, ca or pin"),
            ("trigger-tls: {verify: system, ca: x.pem}", "need verify: ca or pin"),
            ("tls: {verify: pin}", "needs tls.pins"),
            ("tls: {verify: maybe}", "use none, ca or pin"),
            ("tls: {verify: ca, ca: /nonexistent/ca.pem}", "/nonexistent/ca.pem"),
            ("tls: {pins: [\"sha1/abc\"]}", "sha256/BASE64"),
            ("trigger-auth: {bearer-file: /nonexistent/tok}", "/nonexistent/tok"),
            ("http-scheme: gopher", "use http or https"),
        ] {
            do {
                _ = try FleetProfile(yaml: yaml)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(error.description.contains(fragment), "\(yaml): \(error)")
            }
        }
    }
}
