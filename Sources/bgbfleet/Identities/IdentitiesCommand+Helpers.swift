import FleetIdentity
import Foundation

/// Runs a pool operation, turning pool errors into bad-input failures that name the file.
func poolCall<T>(_ directory: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IdentityPoolError {
        throw CommandFailure.badInput(poolMessage(error, directory: directory))
    }
}

/// The async form of `poolCall`: pool errors become bad-input failures that name the file.
func poolCall<T>(_ directory: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as IdentityPoolError {
        throw CommandFailure.badInput(poolMessage(error, directory: directory))
    }
}

private func poolMessage(_ error: IdentityPoolError, directory: String) -> String {
    switch error {
    case .indexOutOfRange, .countOutOfRange:
        return "identity pool \(directory): \(error)"
    default:
        return error.description
    }
}

/// `date` in ISO 8601 (UTC), as `identities list` and `show` print it.
func iso8601(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}

/// `text` quoted for a POSIX shell when it holds anything but safe characters (resume hints).
func shellQuoted(_ text: String) -> String {
    let safe = text.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || "/._-+=:,@".unicodeScalars.contains($0)
    }
    return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
