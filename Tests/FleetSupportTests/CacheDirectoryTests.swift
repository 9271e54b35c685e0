import FleetSupport
import Foundation
import Testing

@Suite("Cache directory")
struct CacheDirectoryTests {
    @Test("$XDG_CACHE_HOME/bgbfleet when XDG_CACHE_HOME is set")
    func xdg() {
        #expect(CacheDirectory.path(environment: ["XDG_CACHE_HOME": "/var/cache/x", "HOME": "/home/u"]) == "/var/cache/x/bgbfleet")
    }

    @Test("~/.cache/bgbfleet when XDG_CACHE_HOME is unset or empty")
    func home() {
        #expect(CacheDirectory.path(environment: ["HOME": "/home/u"]) == "/home/u/.cache/bgbfleet")
        #expect(CacheDirectory.path(environment: ["XDG_CACHE_HOME": "", "HOME": "/home/u"]) == "/home/u/.cache/bgbfleet")
    }

    @Test("the user's home directory when HOME is unset")
    func noHome() {
        let expected = FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/bgbfleet"
        #expect(CacheDirectory.path(environment: [:]) == expected)
        #expect(CacheDirectory.path(environment: ["HOME": ""]) == expected)
    }
}
