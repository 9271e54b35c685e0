import ArgumentParser
import BGBClient
import Foundation
import MPSimulator

/// The security flags of `bgbfleet mp-sim`: the admin API's bearer token, from a file or the
/// environment (never the command line, where every user of the host can read it), and the PKI
/// of a site that runs its MPs on certificates from its own CA.
struct MPSimSecurityOptions: ParsableArguments {
    static let tokenVariable = "BGBFLEET_ADMIN_TOKEN"

    @Option(
        name: .customLong("admin-token-file"),
        help: ArgumentHelp(
            "Require 'Authorization: Bearer TOKEN' on the admin API, TOKEN the first line of this file. BGBFLEET_ADMIN_TOKEN does the same from the environment.",
            valueName: "file"
        )
    )
    var adminTokenFile: String?

    @Option(
        name: .customLong("server-cert"),
        help: ArgumentHelp("Present this certificate (PEM: the certificate, then its issuing chain) instead of the generated self-signed one; needs --server-key-file.", valueName: "file")
    )
    var serverCertificate: String?

    @Option(
        name: .customLong("server-key-file"),
        help: ArgumentHelp("The private key (PEM, RSA or P-256) of --server-cert.", valueName: "file")
    )
    var serverKeyFile: String?

    @Option(
        name: .customLong("client-ca"),
        help: ArgumentHelp(
            "Require client certificates that chain to a CA of this PEM bundle and allow client authentication (TCP and HTTPS), as a PKI MP; others are refused and counted (clientCertificatesRefused in GET /Simulator/counters).",
            valueName: "file"
        )
    )
    var clientCA: String?

    /// Checks the files before anything listens and sets them on `configuration`.
    func apply(to configuration: inout MPSimulatorConfiguration, environment: [String: String]) throws {
        if let token = try adminToken(environment: environment) { configuration.adminBearerToken = token }
        switch (serverCertificate, serverKeyFile) {
        case (nil, nil): break
        case (let certificate?, let key?):
            for (flag, path) in [("--server-cert", certificate), ("--server-key-file", key)] where !FileManager.default.isReadableFile(atPath: path) {
                throw CommandFailure.badInput("\(flag) \(path): cannot read the file")
            }
            configuration.serverCertificateFile = certificate
            configuration.serverKeyFile = key
        case (_?, nil): throw CommandFailure.badInput("--server-cert needs --server-key-file")
        case (nil, _?): throw CommandFailure.badInput("--server-key-file needs --server-cert")
        }
        if let clientCA {
            do {
                _ = try BGBTrustRoots(pemFile: clientCA)
            } catch {
                throw CommandFailure.badInput("--client-ca: \(error)")
            }
            configuration.clientCAFile = clientCA
        }
    }

    /// The admin token: the file's first line, else `BGBFLEET_ADMIN_TOKEN`, else nil (no token required).
    func adminToken(environment: [String: String]) throws -> String? {
        if let adminTokenFile {
            guard let data = FileManager.default.contents(atPath: adminTokenFile), let text = String(data: data, encoding: .utf8) else {
                let reason = FileManager.default.fileExists(atPath: adminTokenFile) ? "cannot read it" : "no such file"
                throw CommandFailure.badInput("--admin-token-file \(adminTokenFile): \(reason)")
            }
            let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !token.isEmpty else { throw CommandFailure.badInput("--admin-token-file \(adminTokenFile): the file is empty") }
            return token
        }
        if let token = environment[Self.tokenVariable] {
            guard !token.isEmpty else { throw CommandFailure.badInput("\(Self.tokenVariable) is set but empty") }
            return token
        }
        return nil
    }
}
