import Crypto
import Foundation

/// The binary container of every pool data file (identities and registrations).
///
/// ```
/// offset  size  field (little-endian)
///  0       8    magic: "BGBIDNT1" (identities) or "BGBREGS1" (registrations)
///  8       2    format version (= IdentityPool.formatVersion)
/// 10       1    key type: 1 rsa2048, 2 p256 (0 in registration files)
/// 11       1    reserved, 0
/// 12       4    chunk number k (the file covers identities k·chunkSize ..< (k+1)·chunkSize)
/// 16       4    record count
/// 20       4    reserved, 0
/// 24       8    payload length P
/// 32       P    records, each: u32 record length L, then L bytes
/// 32+P    32    SHA-256 of bytes 0 ..< 32+P
/// ```
enum ChunkFile {
    enum Kind {
        case identities
        case registrations

        var magic: [UInt8] {
            switch self {
            case .identities: return Array("BGBIDNT1".utf8)
            case .registrations: return Array("BGBREGS1".utf8)
            }
        }
    }

    static let headerSize = 32
    static let trailerSize = 32

    struct Header: Equatable {
        var keyTypeCode: UInt8
        var chunkNumber: Int
        var recordCount: Int
        var payloadLength: Int

        var fileSize: Int { ChunkFile.headerSize + payloadLength + ChunkFile.trailerSize }
    }

    /// Encodes a whole file: header, the already length-prefixed records, checksum.
    static func encode(kind: Kind, keyTypeCode: UInt8, chunkNumber: Int, recordCount: Int, payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(headerSize + payload.count + trailerSize)
        bytes.append(contentsOf: kind.magic)
        bytes.appendLE(UInt16(IdentityPool.formatVersion))
        bytes.append(keyTypeCode)
        bytes.append(0)
        bytes.appendLE(UInt32(chunkNumber))
        bytes.appendLE(UInt32(recordCount))
        bytes.appendLE(UInt32(0))
        bytes.appendLE(UInt64(payload.count))
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: SHA256.hash(data: bytes))
        return bytes
    }

    /// Decodes and checks a header: magic, version, chunk number; the file size must match.
    static func header(
        of bytes: UnsafeRawBufferPointer, fileSize: Int, kind: Kind, chunkNumber: Int, path: String
    ) throws -> Header {
        guard fileSize >= headerSize else {
            throw IdentityPoolError.chunkTruncated(path: path, expectedBytes: headerSize + trailerSize, actualBytes: fileSize)
        }
        guard bytes.count >= headerSize, Array(bytes[0 ..< 8]) == kind.magic else {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "bad magic (not a bgbfleet pool file of this kind)")
        }
        var reader = ByteReader(bytes, offset: 8)
        do {
            let version = Int(try reader.read(UInt16.self))
            guard version == IdentityPool.formatVersion else {
                throw IdentityPoolError.chunkCorrupt(
                    path: path, reason: "format version \(version), expected \(IdentityPool.formatVersion)")
            }
            let keyTypeCode = try reader.read(UInt8.self)
            _ = try reader.read(UInt8.self)
            let number = Int(try reader.read(UInt32.self))
            let recordCount = Int(try reader.read(UInt32.self))
            _ = try reader.read(UInt32.self)
            let payloadLength = try reader.read(UInt64.self)
            guard number == chunkNumber else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "holds chunk \(number), expected chunk \(chunkNumber)")
            }
            guard payloadLength <= UInt64(Int32.max) else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "implausible payload length \(payloadLength)")
            }
            let header = Header(
                keyTypeCode: keyTypeCode, chunkNumber: number, recordCount: recordCount,
                payloadLength: Int(payloadLength))
            if fileSize < header.fileSize {
                throw IdentityPoolError.chunkTruncated(path: path, expectedBytes: header.fileSize, actualBytes: fileSize)
            }
            if fileSize > header.fileSize {
                throw IdentityPoolError.chunkCorrupt(
                    path: path, reason: "\(fileSize) bytes, but its header says \(header.fileSize)")
            }
            return header
        } catch is ByteReader.Overrun {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "short header")
        }
    }

    /// Checks a whole file (header and SHA-256) and hands the payload to `body`.
    static func withVerifiedPayload<R>(
        of bytes: UnsafeRawBufferPointer, kind: Kind, chunkNumber: Int, path: String,
        _ body: (Header, UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let header = try header(of: bytes, fileSize: bytes.count, kind: kind, chunkNumber: chunkNumber, path: path)
        let checked = headerSize + header.payloadLength
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(rebasing: bytes[0 ..< checked]))
        let stored = UnsafeRawBufferPointer(rebasing: bytes[checked ..< checked + trailerSize])
        guard digest.elementsEqual(stored) else {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "SHA-256 checksum mismatch")
        }
        return try body(header, UnsafeRawBufferPointer(rebasing: bytes[headerSize ..< checked]))
    }

    /// Walks `count` length-prefixed records, handing each record's bytes to `body`.
    static func forEachRecord(
        in payload: UnsafeRawBufferPointer, count: Int, path: String,
        _ body: (Int, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var reader = ByteReader(payload)
        do {
            for position in 0 ..< count {
                let length = Int(try reader.read(UInt32.self))
                try body(position, try reader.readBytes(length))
            }
        } catch is ByteReader.Overrun {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "records run past the end of the payload")
        }
        guard reader.remaining == 0 else {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "\(reader.remaining) bytes after the last record")
        }
    }
}
