import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the pool needs: whole-file reads, atomic writes with a
/// mode (temp file, fsync, rename, fsync of the directory), private directories.
enum PoolFileSystem {
    /// Files holding keys (and all other pool files): owner read/write only.
    static let fileMode: mode_t = 0o600
    /// Pool directories: owner only.
    static let directoryMode: mode_t = 0o700
    /// Marker in the names of temporary files; leftovers of killed processes carry it.
    static let temporaryMarker = ".tmp-"

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    enum Entry { case missing, file, directory, other }

    static func entry(at path: String) -> Entry {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The size of a file, or `nil` when it does not exist.
    static func fileSize(at path: String) throws -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw IdentityPoolError.ioFailed(path: path, reason: errnoText())
        }
        return Int(info.st_size)
    }

    /// Reads a whole file, or returns `nil` when it does not exist.
    static func read(_ path: String) throws -> [UInt8]? {
        guard let fd = try openForReading(path) else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IdentityPoolError.ioFailed(path: path, reason: errnoText()) }
        return try readBytes(fd, count: Int(info.st_size), path: path)
    }

    /// Reads up to `count` bytes from the start of a file, or `nil` when it does not exist.
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8]? {
        guard let fd = try openForReading(path) else { return nil }
        defer { close(fd) }
        return try readBytes(fd, count: count, path: path)
    }

    /// Opens a file read-only; `nil` when it does not exist.
    private static func openForReading(_ path: String) throws -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw IdentityPoolError.ioFailed(path: path, reason: errnoText())
        }
        return fd
    }

    /// Reads up to `count` bytes from offset 0 of `fd` (fewer at end of file), retrying on EINTR.
    private static func readBytes(_ fd: Int32, count: Int, path: String) throws -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw IdentityPoolError.ioFailed(path: path, reason: errnoText(failure)) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically with mode 0600: a reader sees the old file or the
    /// new one, never a part. A failure leaves no temporary file behind.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = directory + "/." + name + temporaryMarker + "\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else {
            let code = errno
            if code == EACCES || code == EROFS || code == EPERM {
                throw IdentityPoolError.directoryNotWritable(path: directory, reason: errnoText(code))
            }
            if code == ENOENT {
                throw IdentityPoolError.directoryMissing(path: directory)
            }
            throw IdentityPoolError.ioFailed(path: temporary, reason: errnoText(code))
        }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }
        // The umask may have narrowed the mode; make it exactly 0600.
        guard fchmod(fd, fileMode) == 0 else { throw IdentityPoolError.ioFailed(path: temporary, reason: errnoText()) }
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IdentityPoolError.ioFailed(path: temporary, reason: errnoText())
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw IdentityPoolError.ioFailed(path: temporary, reason: errnoText()) }
        closed = true
        guard close(fd) == 0 else { throw IdentityPoolError.ioFailed(path: temporary, reason: errnoText()) }
        guard rename(temporary, path) == 0 else { throw IdentityPoolError.ioFailed(path: path, reason: errnoText()) }
        renamed = true
        syncDirectory(directory)
    }

    /// Flushes a directory entry change (a rename) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes a file; a missing file is fine.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw IdentityPoolError.ioFailed(path: path, reason: errnoText())
        }
    }

    /// Makes sure `path` is a directory with mode 0700, creating it when missing (its parent
    /// must exist).
    static func ensurePrivateDirectory(_ path: String) throws {
        switch entry(at: path) {
        case .directory:
            guard chmod(path, directoryMode) == 0 else {
                throw IdentityPoolError.directoryNotWritable(path: path, reason: errnoText())
            }
        case .missing:
            guard mkdir(path, directoryMode) == 0 else {
                let code = errno
                if code == ENOENT { throw IdentityPoolError.directoryMissing(path: (path as NSString).deletingLastPathComponent) }
                throw IdentityPoolError.directoryNotWritable(path: path, reason: errnoText(code))
            }
            guard chmod(path, directoryMode) == 0 else {
                throw IdentityPoolError.directoryNotWritable(path: path, reason: errnoText())
            }
        case .file, .other:
            throw IdentityPoolError.notADirectory(path: path)
        }
    }

    /// Whether the current user may create files in `path`.
    static func isWritableDirectory(_ path: String) -> Bool {
        access(path, W_OK | X_OK) == 0
    }

    /// Names in a directory (empty when it does not exist).
    static func names(in path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Removes temporary files that a killed writer left in `path`.
    static func removeStaleTemporaries(in path: String) {
        for name in names(in: path) where name.hasPrefix(".") && name.contains(temporaryMarker) {
            unlink(path + "/" + name)
        }
    }
}
