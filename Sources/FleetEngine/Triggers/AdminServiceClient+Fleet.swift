import Foundation
import NIOHTTP1

/// The fleet's own records at the site, through the AdminService's WMI route (OData `$filter`
/// and `$select`, as the real SMS Provider takes them).
extension AdminServiceClient {
    /// A device record of `SMS_R_System`.
    public struct SystemResource: Sendable, Hashable {
        public var resourceID: UInt32
        public var smsUniqueIdentifier: String
        public var name: String?
        public var obsolete: Bool
    }

    /// Clauses per `$filter`: IIS refuses query strings over 2,048 bytes by default, and each
    /// `SMSUniqueIdentifier eq 'GUID:…'` clause takes about 80 once percent-encoded.
    public static let filterBatch = 20

    /// `GET /AdminService/wmi/SMS_R_System?$filter=SMSUniqueIdentifier eq '…' or …&$select=…`,
    /// one batch of at most ``filterBatch`` SMSIDs.
    public func systemResources(smsUniqueIdentifiers: [String]) async throws -> [SystemResource] {
        precondition(smsUniqueIdentifiers.count <= Self.filterBatch, "at most \(Self.filterBatch) per request")
        guard !smsUniqueIdentifiers.isEmpty else { return [] }
        let filter = smsUniqueIdentifiers.map { "SMSUniqueIdentifier eq '\(Self.odataString($0))'" }.joined(separator: " or ")
        let rows = try await query("SMS_R_System", filter: filter, select: "ResourceID,SMSUniqueIdentifier,Name,Obsolete")
        return rows.compactMap { row in
            guard let id = Self.integer(row["ResourceID"]), id > 0, id <= Int(UInt32.max),
                let smsID = row["SMSUniqueIdentifier"] as? String
            else { return nil }
            let obsolete = (row["Obsolete"] as? Bool) ?? (Self.integer(row["Obsolete"]).map { $0 != 0 } ?? false)
            return SystemResource(resourceID: UInt32(id), smsUniqueIdentifier: smsID, name: row["Name"] as? String, obsolete: obsolete)
        }
    }

    /// `GET /AdminService/wmi/SMS_CN_ClientStatus?$filter=ResourceID eq … or …&$select=ResourceID,OnlineStatus`:
    /// which of these ResourceIDs the site reports online (one batch of at most twice ``filterBatch``: a ResourceID clause is shorter).
    public func onlineResourceIDs(_ resourceIDs: [UInt32]) async throws -> Set<UInt32> {
        precondition(resourceIDs.count <= Self.filterBatch * 2, "at most \(Self.filterBatch * 2) per request")
        guard !resourceIDs.isEmpty else { return [] }
        let filter = resourceIDs.map { "ResourceID eq \($0)" }.joined(separator: " or ")
        let rows = try await query("SMS_CN_ClientStatus", filter: filter, select: "ResourceID,OnlineStatus")
        var online = Set<UInt32>()
        for row in rows {
            guard let id = Self.integer(row["ResourceID"]), id > 0, id <= Int(UInt32.max), Self.integer(row["OnlineStatus"]) == 1 else { continue }
            online.insert(UInt32(id))
        }
        return online
    }

    /// `DELETE /AdminService/wmi/SMS_R_System(ID)`: deletes one device record.
    public func deleteSystemResource(_ resourceID: UInt32) async throws {
        let response = try await request(method: .DELETE, path: "/AdminService/wmi/SMS_R_System(\(resourceID))", body: nil)
        guard (200...204).contains(response.status) else {
            throw AdminServiceError.status(response.status, String(decoding: response.body, as: UTF8.self))
        }
    }

    /// The `value` rows of one WMI class query.
    func query(_ className: String, filter: String, select: String) async throws -> [[String: Any]] {
        let path = "/AdminService/wmi/\(className)?$filter=\(Self.percentEncoded(filter))&$select=\(Self.percentEncoded(select))"
        let response = try await request(method: .GET, path: path, body: nil)
        guard response.status == 200 else {
            throw AdminServiceError.status(response.status, String(decoding: response.body, as: UTF8.self))
        }
        guard let object = response.json as? [String: Any], let rows = object["value"] as? [[String: Any]] else {
            throw AdminServiceError.malformed("no value array in the \(className) answer")
        }
        return rows
    }

    /// An OData string literal's content: single quotes doubled.
    static func odataString(_ text: String) -> String { text.replacingOccurrences(of: "'", with: "''") }

    /// Percent-encodes a query value (RFC 3986 unreserved characters and `:` stay).
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:,")
        allowed.remove(charactersIn: "")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        if let number = value as? NSNumber, !(value is Bool) { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }
}
