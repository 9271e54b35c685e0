import Foundation

/// The registration record of a registration file (after its u32 length prefix):
///
/// ```
/// u32 index · i8 approval status · i64 registeredAt (ms since 1970, UTC)
/// · u8 n, n bytes assigned SMSID (ASCII) · u16 n, n bytes MP (UTF-8)
/// ```
extension RegistrationState {
    func appendRecord(index: Int, to bytes: inout [UInt8]) {
        var body = [UInt8]()
        body.appendLE(UInt32(index))
        body.appendLE(Int8(approvalStatus.rawValue))
        body.appendLE(Int64((registeredAt.timeIntervalSince1970 * 1000).rounded(.down)))
        body.appendLengthPrefixed(Array(assignedSMSID.rawValue.utf8), as: UInt8.self)
        body.appendLengthPrefixed(Array(mp.utf8), as: UInt16.self)
        bytes.appendLE(UInt32(body.count))
        bytes.append(contentsOf: body)
    }

    /// Decodes a record, returning the identity index it belongs to.
    static func decode(record: UnsafeRawBufferPointer, path: String) throws -> (index: Int, state: RegistrationState) {
        var reader = ByteReader(record)
        do {
            let index = Int(try reader.read(UInt32.self))
            let approvalCode = Int(try reader.read(Int8.self))
            guard let approval = ApprovalStatus(rawValue: approvalCode) else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): approval status \(approvalCode)")
            }
            let millis = try reader.read(Int64.self)
            let smsidText = try reader.readString(Int(try reader.read(UInt8.self)))
            guard let smsid = PoolSMSID(smsidText) else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): bad SMSID \(smsidText)")
            }
            let mp = try reader.readString(Int(try reader.read(UInt16.self)))
            guard reader.remaining == 0 else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): \(reader.remaining) stray bytes in its record")
            }
            let state = RegistrationState(
                mp: mp, assignedSMSID: smsid, approvalStatus: approval,
                registeredAt: Date(timeIntervalSince1970: Double(millis) / 1000))
            return (index, state)
        } catch is ByteReader.Overrun {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "truncated registration record")
        }
    }
}
