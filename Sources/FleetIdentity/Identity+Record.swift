/// The identity record of a chunk file (after its u32 length prefix):
///
/// ```
/// u32 index · u8 n, n bytes minted SMSID (ASCII) · u8 n, n bytes NetBIOS name (ASCII)
/// · u16 n, n bytes certificate DER · u16 n, n bytes PKCS#8 private key DER
/// ```
extension Identity {
    func appendRecord(to bytes: inout [UInt8]) {
        var body = [UInt8]()
        body.reserveCapacity(16 + PoolSMSID.length + netbiosName.utf8.count + certificateDER.count + privateKeyDER.count)
        body.appendLE(UInt32(index))
        body.appendLengthPrefixed(Array(mintedSMSID.rawValue.utf8), as: UInt8.self)
        body.appendLengthPrefixed(Array(netbiosName.utf8), as: UInt8.self)
        body.appendLengthPrefixed(certificateDER, as: UInt16.self)
        body.appendLengthPrefixed(privateKeyDER, as: UInt16.self)
        bytes.appendLE(UInt32(body.count))
        bytes.append(contentsOf: body)
    }

    /// Decodes a record; `expectedIndex` guards against records in the wrong place.
    init(record: UnsafeRawBufferPointer, expectedIndex: Int, keyType: IdentityKeyType, path: String) throws {
        var reader = ByteReader(record)
        do {
            let index = Int(try reader.read(UInt32.self))
            guard index == expectedIndex else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "record for identity \(index) where \(expectedIndex) belongs")
            }
            let smsidLength = Int(try reader.read(UInt8.self))
            guard smsidLength == PoolSMSID.length else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): SMSID of \(smsidLength) bytes")
            }
            let smsid = try reader.readString(smsidLength)
            let netbiosLength = Int(try reader.read(UInt8.self))
            guard netbiosLength >= 1, netbiosLength <= 15 else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): NetBIOS name of \(netbiosLength) bytes")
            }
            let netbios = try reader.readString(netbiosLength)
            let certificate = try reader.readArray(Int(try reader.read(UInt16.self)))
            let key = try reader.readArray(Int(try reader.read(UInt16.self)))
            guard reader.remaining == 0 else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(index): \(reader.remaining) stray bytes in its record")
            }
            self.init(
                index: index,
                mintedSMSID: PoolSMSID(uncheckedCanonical: smsid),
                netbiosName: netbios,
                smsCertificate: SMSCertificate(certificateDER: certificate, privateKeyDER: key, keyType: keyType)
            )
        } catch is ByteReader.Overrun {
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "identity \(expectedIndex): truncated record")
        }
    }
}
