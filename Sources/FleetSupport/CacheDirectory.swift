import Foundation

/// Where bgbfleet keeps what it can make again (the default identity pool, the simulator's
/// server certificate, resolved fleet resources): `$XDG_CACHE_HOME/bgbfleet`, else
/// `~/.cache/bgbfleet`.
public enum CacheDirectory {
    /// The cache directory for `environment` (the process's by default). The home directory is
    /// `$HOME`, else the user's from the password database.
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            return cache + "/bgbfleet"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return home + "/.cache/bgbfleet"
    }
}
