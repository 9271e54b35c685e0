import BGBProtocol

extension SimulatorCore {
    /// Adds `count` foreign clients (once per simulator): registered, online from now on, members of
    /// `SMS00001`, never answering. Their session numbers count down from `UInt64.max`, far from
    /// the real sessions'.
    func addForeignClients(_ count: Int) {
        guard count > 0, !directory.allRecords().contains(where: { $0.origin == .foreign }) else { return }
        var generator = SystemRandomNumberGenerator()
        let clients = (0..<count).map { index in
            let name = "FOREIGN-\(index + 1)"
            return (smsID: SMSID.random(using: &generator), certificate: ClientCertificate?.none, netbiosName: name, fqName: name)
        }
        let records = directory.register(clients, origin: .foreign, approved: true)
        for (offset, record) in records.enumerated() {
            _ = directory.signIn(record.smsID, session: .foreign(number: UInt64.max - UInt64(offset)), record: record)
        }
        logger.notice("foreign clients online (members of SMS00001, never answering)", metadata: ["count": "\(count)"])
    }

    /// Forgets a device record (`DELETE SMS_R_System(ID)`): its session, if online, is ended.
    /// Returns whether it existed.
    func deleteClient(resourceID: Int) -> Bool {
        guard let record = directory.record(forResourceID: resourceID) else { return false }
        if let session = directory.session(for: record.smsID) { end(session, reason: .faultInjected) }
        return directory.delete(record)
    }
}
