import BGBProtocol
import Foundation
import NIOCore
import NIOHTTP1

/// The AdminService subset of spec §9 and the simulator's own `/Simulator/…` control API.
///
/// | method | path | |
/// |---|---|---|
/// | POST | `/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation[Ex]` | 201 `{"ReturnValue":0,"OperationID":N}` |
/// | GET | `/AdminService/wmi/SMS_ClientOperationStatus[(<ID>)]` | `{"value":[…]}` |
/// | GET | `/AdminService/wmi/SMS_CN_ClientStatus` | `{"value":[…]}` |
/// | POST | `/AdminService/wmi/SMS_CN_ClientStatus.GetOnlineCount` | `{"ReturnValue":N}` |
/// | GET | `/AdminService/wmi/SMS_R_System` | device records (`$filter`, `$select`) |
/// | DELETE | `/AdminService/wmi/SMS_R_System(<ID>)` | deletes a device record |
/// | GET | `/Simulator/counters` | counters and `mp_rtt` percentiles |
/// | GET | `/Simulator/operations/<ID>` | the per-client record of one push |
/// | GET, POST | `/Simulator/faults` | read / set `signInConfirmDelayMs`, `ignoreKeepAlives`, `refuseConnectionsMs` |
/// | POST | `/Simulator/faults/close-sessions` | `{"fraction":0.5,"channel":"tcp"}` |
/// | POST | `/Simulator/faults/send-frame` | `{"frame":"disconnect","fraction":1}` |
/// | POST | `/Simulator/faults/restart-listeners` | |
/// | GET | `/Simulator/server` | addresses and certificate thumbprint |
struct AdminRouter: Sendable {
    enum Outcome {
        case now(AdminResponse)
        case later(@Sendable () async -> AdminResponse)
    }

    let simulator: MPSimulator

    func route(head: HTTPRequestHead, body: ByteBuffer) -> Outcome {
        if let token = simulator.configuration.adminBearerToken {
            let authorization = head.headers.first(name: "Authorization") ?? ""
            guard authorization == "Bearer \(token)" else {
                return .now(.error(.unauthorized, "a valid bearer token is required"))
            }
        }
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let lower = path.lowercased()
        let wmi = "/adminservice/wmi/"
        do {
            if lower.hasPrefix(wmi) {
                let query = try ODataQuery(uri: head.uri)
                return .now(try wmiRoute(head.method, String(path.dropFirst(wmi.count)), query: query, body: body))
            }
            if lower.hasPrefix("/simulator/") {
                return try simulatorRoute(head.method, lower.dropFirst("/simulator/".count), body: body)
            }
        } catch let error as AdminError {
            return .now(.error(error.status, error.message))
        } catch let error as MPSimulatorError {
            switch error {
            case .unknownCollection, .unknownOperation: return .now(.error(.notFound, error.description))
            case .invalidArgument: return .now(.error(.badRequest, error.description))
            default: return .now(.error(.internalServerError, error.description))
            }
        } catch {
            return .now(.error(.internalServerError, "\(error)"))
        }
        return .now(.error(.notFound, "no resource at \(path)"))
    }

    struct AdminError: Error {
        var status: HTTPResponseStatus
        var message: String

        static func badRequest(_ message: String) -> AdminError { AdminError(status: .badRequest, message: message) }
    }

    // MARK: AdminService

    private func wmiRoute(_ method: HTTPMethod, _ resource: String, query: ODataQuery, body: ByteBuffer) throws -> AdminResponse {
        let lower = resource.lowercased()
        switch (method, lower) {
        case (.POST, "sms_clientoperation.initiateclientoperation"), (.POST, "sms_clientoperation.initiateclientoperationex"):
            let object = try jsonObject(body)
            guard let type = object["Type"].flatMap(integer) else { throw AdminError.badRequest("Type (an integer) is required") }
            guard let collection = object["TargetCollectionID"] as? String, !collection.isEmpty else {
                throw AdminError.badRequest("TargetCollectionID (a string) is required")
            }
            let resourceIDs = try integers(object["TargetResourceIDs"], name: "TargetResourceIDs")
            let window = object["RandomizationWindow"].flatMap(integer)
            let param = object["Param"] as? String
            if object["Param"] != nil, !(object["Param"] is NSNull), param == nil {
                throw AdminError.badRequest("Param must be a string")
            }
            let id = try simulator.initiateClientOperation(
                type: type,
                collectionID: collection,
                resourceIDs: resourceIDs,
                param: param,
                randomizationWindow: window
            )
            return AdminResponse(.created, ["ReturnValue": 0, "OperationID": id.rawValue])
        case (.GET, "sms_clientoperationstatus"):
            return AdminResponse(.ok, ["value": simulator.operationStatuses().map(Self.json)])
        case (.GET, _) where lower.hasPrefix("sms_clientoperationstatus(") && lower.hasSuffix(")"):
            let inner = lower.dropFirst("sms_clientoperationstatus(".count).dropLast()
            guard let number = Int(inner.replacingOccurrences(of: "'", with: "")) else {
                throw AdminError.badRequest("the key must be an operation ID")
            }
            guard let status = simulator.operationStatus(id: OperationID(rawValue: number)) else {
                throw MPSimulatorError.unknownOperation(OperationID(rawValue: number))
            }
            return AdminResponse(.ok, ["value": [Self.json(status)]])
        case (.GET, "sms_cn_clientstatus"):
            let serverID = simulator.configuration.serverID
            let rows = simulator.clientStatus().map { row -> [String: Any] in
                [
                    "ResourceID": row.resourceID,
                    "SMSID": row.smsID.rawValue,
                    "OnlineStatus": row.onlineStatus,
                    "ChannelType": row.channelType?.rawValue ?? 0,
                    "LastStatusTime": row.lastStatusTimeEpochNanoseconds.map(Clock.iso8601(epochNanoseconds:)) ?? NSNull(),
                    "ServerID": serverID,
                ]
            }
            return AdminResponse(.ok, ["value": rows.filter(query.matches).map(query.project)])
        case (.GET, "sms_r_system"):
            let rows = simulator.core.directory.allRecords().map { record -> [String: Any] in
                [
                    "ResourceID": record.resourceID,
                    "SMSUniqueIdentifier": record.smsID.rawValue,
                    "Name": record.netbiosName,
                    "Client": 1,
                    "Obsolete": 0,
                    "Active": 1,
                ]
            }
            return AdminResponse(.ok, ["value": rows.filter(query.matches).map(query.project)])
        case (.DELETE, _) where lower.hasPrefix("sms_r_system(") && lower.hasSuffix(")"):
            guard let number = Int(lower.dropFirst("sms_r_system(".count).dropLast()) else {
                throw AdminError.badRequest("the key must be a ResourceID")
            }
            guard simulator.core.deleteClient(resourceID: number) else {
                throw AdminError(status: .notFound, message: "no SMS_R_System record with ResourceID \(number)")
            }
            return AdminResponse(.ok, [String: Any]())
        case (.POST, "sms_cn_clientstatus.getonlinecount"):
            let object = try jsonObject(body, allowEmpty: true)
            let collection = (object["TargetCollectionID"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "SMS00001"
            let resourceIDs = try integers(object["TargetResourceIDs"], name: "TargetResourceIDs")
            return AdminResponse(.ok, ["ReturnValue": try simulator.onlineCount(collectionID: collection, resourceIDs: resourceIDs)])
        default:
            throw AdminError(status: .notFound, message: "no AdminService resource \(method) \(resource)")
        }
    }

    static func json(_ status: OperationStatus) -> [String: Any] {
        let requested = Clock.iso8601(epochNanoseconds: status.requestedTimeEpochNanoseconds)
        let updated = Clock.iso8601(epochNanoseconds: status.lastUpdatedEpochNanoseconds)
        var object: [String: Any] = [
            "ID": status.id.rawValue,
            "Type": status.type,
            "CollectionID": status.collectionID,
            "TargetCollectionName": status.collectionID.caseInsensitiveEquals("SMS00001") ? "All Systems" : status.collectionID,
            "TotalClients": status.totalClients,
            "CompletedClients": status.completedClients,
            "FailedClients": status.failedClients,
            "OfflineClients": status.offlineClients,
            "UnknownClients": status.unknownClients,
            "State": status.state.rawValue,
            "RequestedTime": requested,
            "LastSummaryTime": updated,
            "TimeLastUpdated": updated,
            "IsExpired": false,
            "UniqueID": status.uniqueID,
            "CreatedBy": "bgbfleet",
            "Priority": 2,
            "PrimaryActionType": status.type,
            "PushID": Int(status.pushID),
            "TaskID": Int(status.taskID),
            "TaskType": Int(status.taskType),
            "WrittenClients": status.writtenClients,
        ]
        if let window = status.randomizationWindow { object["RandomizationWindow"] = window }
        return object
    }

    // MARK: simulator control

    private func simulatorRoute(_ method: HTTPMethod, _ resource: Substring, body: ByteBuffer) throws -> Outcome {
        switch (method, resource) {
        case (.GET, "counters"):
            return .now(AdminResponse(.ok, Self.countersJSON(simulator)))
        case (.GET, "server"):
            var object: [String: Any] = ["thumbprint": simulator.serverCertificateThumbprint ?? NSNull()]
            if let addresses = simulator.boundAddresses {
                object["tls"] = MPSimulator.BoundAddresses.format(addresses.tls)
                object["http"] = addresses.http.map { MPSimulator.BoundAddresses.format($0) as Any } ?? NSNull()
                object["admin"] = addresses.admin.map { MPSimulator.BoundAddresses.format($0) as Any } ?? NSNull()
            }
            return .now(AdminResponse(.ok, object))
        case (.GET, _) where resource.hasPrefix("operations/"):
            guard let number = Int(resource.dropFirst("operations/".count)) else {
                throw AdminError.badRequest("the operation ID must be an integer")
            }
            let id = OperationID(rawValue: number)
            guard let status = simulator.operationStatus(id: id), let records = simulator.pushRecords(id: id) else {
                throw MPSimulatorError.unknownOperation(id)
            }
            let clients = records.map { record -> [String: Any] in
                [
                    "SMSID": record.smsID?.rawValue ?? NSNull(),
                    "ResourceID": record.resourceID,
                    "ChannelType": record.channelType?.rawValue ?? NSNull(),
                    "Status": record.status.rawValue,
                    "Written": record.written,
                    "Responded": record.responded,
                    "ReturnCode": record.returnCode.map { Int($0) } ?? NSNull(),
                    "RTTNanoseconds": record.rttNanoseconds ?? NSNull(),
                    "Failure": record.failure ?? NSNull(),
                ]
            }
            var object = Self.json(status)
            object["Clients"] = clients
            return .now(AdminResponse(.ok, object))
        case (.GET, "faults"):
            return .now(AdminResponse(.ok, faultsJSON()))
        case (.POST, "faults"):
            let object = try jsonObject(body)
            let known: Set<String> = ["signInConfirmDelayMs", "ignoreKeepAlives", "refuseConnectionsMs"]
            if let unknown = object.keys.first(where: { !known.contains($0) }) {
                throw AdminError.badRequest("unknown fault '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
            }
            if let value = object["signInConfirmDelayMs"] {
                guard let ms = integer(value), ms >= 0 else { throw AdminError.badRequest("signInConfirmDelayMs must be a non-negative integer") }
                simulator.setSignInConfirmDelay(.milliseconds(ms))
            }
            if let value = object["ignoreKeepAlives"] {
                guard let flag = value as? Bool else { throw AdminError.badRequest("ignoreKeepAlives must be true or false") }
                simulator.setIgnoreKeepAlives(flag)
            }
            if let value = object["refuseConnectionsMs"] {
                guard let ms = integer(value), ms >= 0 else { throw AdminError.badRequest("refuseConnectionsMs must be a non-negative integer") }
                simulator.refuseConnections(for: .milliseconds(ms))
            }
            return .now(AdminResponse(.ok, faultsJSON()))
        case (.POST, "faults/close-sessions"):
            let object = try jsonObject(body)
            let (fraction, channel) = try fractionAndChannel(object)
            return .now(AdminResponse(.ok, ["closed": simulator.closeSessions(fraction: fraction, channelType: channel)]))
        case (.POST, "faults/send-frame"):
            let object = try jsonObject(body)
            guard let name = object["frame"] as? String, let frame = FaultFrame(rawValue: name) else {
                let allowed = FaultFrame.allCases.map(\.rawValue).joined(separator: ", ")
                throw AdminError.badRequest("frame must be one of \(allowed)")
            }
            let (fraction, channel) = try fractionAndChannel(object)
            return .now(AdminResponse(.ok, ["sent": simulator.sendFaultFrame(frame, fraction: fraction, channelType: channel)]))
        case (.POST, "faults/restart-listeners"):
            let simulator = self.simulator
            return .later {
                do {
                    let addresses = try await simulator.restartListeners()
                    let http: Any = addresses.http.map { MPSimulator.BoundAddresses.format($0) as Any } ?? NSNull()
                    return AdminResponse(.ok, ["tls": MPSimulator.BoundAddresses.format(addresses.tls), "http": http])
                } catch {
                    return .error(.internalServerError, "\(error)")
                }
            }
        default:
            throw AdminError(status: .notFound, message: "no simulator resource \(method) /Simulator/\(resource)")
        }
    }

    private func faultsJSON() -> [String: Any] {
        let faults = simulator.faults
        return [
            "signInConfirmDelayMs": faults.signInConfirmDelay.nanoseconds / 1_000_000,
            "ignoreKeepAlives": faults.ignoreKeepAlives,
            "refuseConnectionsMs": faults.refusingConnectionsFor.map { $0.nanoseconds / 1_000_000 } ?? 0,
        ]
    }

    static func countersJSON(_ simulator: MPSimulator) -> [String: Any] {
        let counters = simulator.counters()
        var object: [String: Any] = [:]
        if let data = try? JSONEncoder().encode(counters),
            let decoded = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            object = decoded
        }
        let rtt = simulator.rttSnapshot()
        object["mp_rtt"] = [
            "count": rtt.totalCount,
            "p50_ns": rtt.valueAtPercentile(50),
            "p90_ns": rtt.valueAtPercentile(90),
            "p99_ns": rtt.valueAtPercentile(99),
            "p99_9_ns": rtt.valueAtPercentile(99.9),
            "max_ns": rtt.max,
        ]
        return object
    }

    private func fractionAndChannel(_ object: [String: Any]) throws -> (Double, ChannelType?) {
        guard let fraction = (object["fraction"] as? NSNumber)?.doubleValue, (0...1).contains(fraction) else {
            throw AdminError.badRequest("fraction must be a number from 0 to 1")
        }
        switch (object["channel"] as? String)?.lowercased() {
        case nil: return (fraction, nil)
        case "tcp": return (fraction, .tcp)
        case "http": return (fraction, .http)
        default: throw AdminError.badRequest("channel must be tcp or http")
        }
    }

    // MARK: JSON helpers

    private func jsonObject(_ body: ByteBuffer, allowEmpty: Bool = false) throws -> [String: Any] {
        if body.readableBytes == 0 {
            if allowEmpty { return [:] }
            throw AdminError.badRequest("a JSON object body is required")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw AdminError.badRequest("the body is not a JSON object")
        }
        return object
    }

    private func integer(_ value: Any) -> Int? {
        if let number = value as? NSNumber, !(value is Bool) {
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9e15 else { return nil }
            return number.intValue
        }
        if let text = value as? String { return Int(text) }
        return nil
    }

    private func integers(_ value: Any?, name: String) throws -> [Int]? {
        guard let value, !(value is NSNull) else { return nil }
        guard let array = value as? [Any] else { throw AdminError.badRequest("\(name) must be an array of integers") }
        return try array.map { element in
            guard let number = integer(element) else { throw AdminError.badRequest("\(name) must be an array of integers") }
            return number
        }
    }
}
