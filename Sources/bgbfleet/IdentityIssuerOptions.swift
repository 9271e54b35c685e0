import ArgumentParser
import FleetIdentity

/// `identities generate --ca-cert CA.pem --ca-key CA.key`: PKI client certificates issued by a
/// (test) CA instead of self-signed SMS certificates.
struct IdentityIssuerOptions: ParsableArguments {
    @Option(
        name: .customLong("ca-cert"),
        help: ArgumentHelp(
            "Issue each new identity a client authentication certificate (EKU 1.3.6.1.5.5.7.3.2) from this CA (PEM), as a PKI site's clients hold; needs --ca-key.",
            valueName: "file"
        )
    )
    var caCertificate: String?

    @Option(
        name: .customLong("ca-key"),
        help: ArgumentHelp("The CA's private key (PEM: RSA, P-256 or P-384).", valueName: "file")
    )
    var caKey: String?

    /// The CA, checked before anything is generated; nil without the flags.
    func issuer() throws -> IdentityIssuer? {
        switch (caCertificate, caKey) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            do {
                return try IdentityIssuer.load(certificateFile: certificate, keyFile: key)
            } catch {
                throw CommandFailure.badInput("\(error)")
            }
        case (_?, nil):
            throw CommandFailure.badInput("--ca-cert needs --ca-key")
        case (nil, _?):
            throw CommandFailure.badInput("--ca-key needs --ca-cert")
        }
    }
}
