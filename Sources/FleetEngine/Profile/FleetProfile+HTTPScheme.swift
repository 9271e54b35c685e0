extension FleetProfile {
    /// The scheme of the MP's HTTP port (the long-poll fallback).
    public enum HTTPScheme: String, Hashable, Sendable, CaseIterable {
        case http
        case https
    }

    /// Whether the HTTP fallback speaks HTTPS: `http-scheme` (`--https`) when given, else port 443.
    public var usesHTTPS: Bool {
        switch httpScheme {
        case .https?: true
        case .http?: false
        case nil: httpPort == 443
        }
    }
}
