/// Why an identity pool could not be opened, read, extended or updated. Every case names the
/// file or directory concerned, and ``description`` says what to do about it.
public enum IdentityPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pool directory does not exist.
    case directoryMissing(path: String)
    /// The path exists but is not a directory.
    case notADirectory(path: String)
    /// The directory (or a file in it) cannot be written.
    case directoryNotWritable(path: String, reason: String)
    /// The directory holds no `manifest.json`: it is not a pool.
    case manifestMissing(path: String)
    /// `create` found a pool already there.
    case poolExists(path: String)
    /// `manifest.json` cannot be read or decoded.
    case manifestUnreadable(path: String, reason: String)
    /// `manifest.json` is of another format version than this build reads.
    case unsupportedFormatVersion(path: String, found: Int, supported: Int)
    /// The requested key type differs from the pool's.
    case keyTypeMismatch(path: String, pool: IdentityKeyType, requested: IdentityKeyType)
    /// The requested count is smaller than the pool's: pools never shrink.
    case cannotShrink(path: String, existing: Int, requested: Int)
    /// The requested count is outside `0 ... IdentityPool.maximumCount`.
    case countOutOfRange(requested: Int, maximum: Int)
    /// An identity index outside `0 ..< count`.
    case indexOutOfRange(index: Int, count: Int)
    /// A chunk file that the pool's count needs is not there.
    case chunkMissing(path: String)
    /// A chunk file is shorter than its header says (an interrupted copy, a full disk).
    case chunkTruncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// A chunk file fails its checks: bad magic, checksum mismatch, malformed record, or
    /// content that does not belong to this pool.
    case chunkCorrupt(path: String, reason: String)
    /// Reading or writing a file failed.
    case ioFailed(path: String, reason: String)
    /// A NetBIOS name prefix that cannot be used.
    case invalidNamePrefix(String, reason: String)
    /// The pool's identities were named with another prefix.
    case namePrefixMismatch(path: String, pool: String, requested: String)
    /// The pool derives its identities from another seed or first session index.
    case derivationMismatch(path: String, pool: IdentityDerivation?, requested: IdentityDerivation?)

    public var description: String {
        switch self {
        case .directoryMissing(let path):
            return "identity pool directory \(path) does not exist"
        case .notADirectory(let path):
            return "\(path) is not a directory"
        case .directoryNotWritable(let path, let reason):
            return "cannot write to \(path): \(reason)"
        case .manifestMissing(let path):
            return "\(path) is missing: the directory is not an identity pool (create one with `bgbfleet identities generate`)"
        case .poolExists(let path):
            return "an identity pool already exists (\(path)); open it instead of creating it"
        case .manifestUnreadable(let path, let reason):
            return "cannot read the pool manifest \(path): \(reason)"
        case .unsupportedFormatVersion(let path, let found, let supported):
            return "\(path) has pool format version \(found); this bgbfleet reads version \(supported) only: regenerate the pool with this version or use a matching bgbfleet"
        case .keyTypeMismatch(let path, let pool, let requested):
            return "the pool (\(path)) holds \(pool) identities; it cannot be extended with \(requested) keys: use --key \(pool) or another directory"
        case .cannotShrink(let path, let existing, let requested):
            return "the pool (\(path)) already holds \(existing) identities; a pool never shrinks (identity i never changes), so \(requested) is not possible: use the first \(requested) identities of it, or generate a new pool in another directory"
        case .countOutOfRange(let requested, let maximum):
            return "identity count \(requested) is out of range: 0 ... \(maximum)"
        case .indexOutOfRange(let index, let count):
            return "identity index \(index) is out of range: the pool holds \(count) identities (0 ..< \(count))"
        case .chunkMissing(let path):
            return "chunk file \(path) is missing: generation was interrupted or the file was removed; run `bgbfleet identities generate` with the same --count and --identities to complete the pool"
        case .chunkTruncated(let path, let expected, let actual):
            return "chunk file \(path) is truncated: \(actual) bytes, expected \(expected); delete it and run `bgbfleet identities generate` again to regenerate that chunk (its identities will be new)"
        case .chunkCorrupt(let path, let reason):
            return "chunk file \(path) is corrupt: \(reason); delete it and run `bgbfleet identities generate` again to regenerate that chunk (its identities will be new)"
        case .ioFailed(let path, let reason):
            return "I/O error on \(path): \(reason)"
        case .invalidNamePrefix(let prefix, let reason):
            return "name prefix \(prefix) \(reason)"
        case .namePrefixMismatch(let path, let pool, let requested):
            return "the pool (\(path)) names its identities \(pool)…; it cannot be extended with \(requested)…: use --name-prefix \(pool) or another directory"
        case .derivationMismatch(let path, let pool, let requested):
            func text(_ derivation: IdentityDerivation?) -> String {
                derivation.map { "derived from seed \"\($0.seed)\" from session \($0.firstIndex)" } ?? "random"
            }
            return "the pool (\(path)) holds \(text(pool)) identities; \(text(requested)) ones were asked for: use another directory"
        }
    }
}
