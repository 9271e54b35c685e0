import ArgumentParser
import FleetIdentity
import Foundation

extension IdentitiesCommand {
    /// `bgbfleet identities import --identities pool/ --pfx FILE|DIR --password-env VAR` or
    /// `--cert PEM --key PEM`: client certificates issued by the site's CA join a pool.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add PKI client certificates issued by the site's CA to a pool (created if missing).",
            discussion: """
                Each certificate must carry the Client Authentication EKU (1.3.6.1.5.5.7.3.2), be valid \
                now and come with its key (RSA of 2048 bits or more, or P-256; the pool's key type). \
                Every file is checked before anything is written; each certificate becomes one identity \
                with a new minted SMSID, stored with its key (mode 0600) and recorded as PKI \
                (identities show). The PFX password comes from an environment variable, never the \
                command line. Register the identities afterwards as usual (identities register).
                """
        )

        @Option(name: [.customLong("identities"), .customLong("out")], help: "The pool directory.")
        var identities: String

        @Option(help: ArgumentHelp("A PFX (PKCS#12) file, or a directory of .pfx/.p12 files.", valueName: "file|dir"))
        var pfx: String?

        @Option(help: ArgumentHelp("The environment variable holding the PFX password.", valueName: "var"))
        var passwordEnv: String?

        @Option(help: ArgumentHelp("A PEM client certificate (with --key).", valueName: "file"))
        var cert: String?

        @Option(help: ArgumentHelp("The PEM private key of --cert (unencrypted).", valueName: "file"))
        var key: String?

        func run() async throws {
            let certificates = try readCertificates()
            guard let first = certificates.first else { throw CommandFailure.badInput("nothing to import") }
            let directory = URL(fileURLWithPath: identities)
            do {
                var pool = try IdentityPool.openOrCreate(at: directory, keyType: FileManager.default.fileExists(atPath: identities + "/manifest.json") ? nil : first.keyType)
                let range = try pool.append(certificates)
                print("imported \(range.count) PKI identities (\(range.lowerBound)..<\(range.upperBound)) into \(pool.directory.path), which holds \(pool.count) \(pool.keyType) identities")
            } catch let error as IdentityPoolError {
                throw CommandFailure.badInput("\(error)")
            }
        }

        /// Every certificate, checked, before the pool is touched.
        func readCertificates() throws -> [SMSCertificate] {
            do {
                switch (pfx, cert, key) {
                case (let pfx?, nil, nil):
                    guard let passwordEnv else { throw CommandFailure.badInput("--pfx needs --password-env VAR (the variable holding the password)") }
                    guard let password = ProcessInfo.processInfo.environment[passwordEnv] else {
                        throw CommandFailure.badInput("--password-env \(passwordEnv): the environment variable \(passwordEnv) is not set")
                    }
                    return try PKICertificateImport.pfxFiles(at: pfx).map { file throws(IdentityIssuerError) in
                        try PKICertificateImport.certificate(pfxFile: file, password: password)
                    }
                case (nil, let cert?, let key?):
                    guard passwordEnv == nil else { throw CommandFailure.badInput("--password-env goes with --pfx") }
                    return [try PKICertificateImport.certificate(pemFile: cert, keyFile: key)]
                case (nil, _?, nil): throw CommandFailure.badInput("--cert needs --key")
                case (nil, nil, _?): throw CommandFailure.badInput("--key needs --cert")
                case (nil, nil, nil): throw CommandFailure.badInput("give --pfx FILE|DIR --password-env VAR, or --cert PEM --key PEM")
                default: throw CommandFailure.badInput("give either --pfx or --cert/--key, not both")
                }
            } catch let error as IdentityIssuerError {
                throw CommandFailure.badInput("\(error)")
            }
        }
    }
}
