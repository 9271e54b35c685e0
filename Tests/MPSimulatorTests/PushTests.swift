import BGBProtocol
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

@Suite("Pushes through the AdminService API")
struct PushTests {
    @Test("push to all: exact completed, failed and offline counts, mp_rtt, per-client record")
    func pushToAll() async throws {
        try await Fixture.with { fixture in
            let succeeding = try await fixture.onlineClient()
            let failing = try await fixture.onlineClient()
            let offline = try TestIdentity.p256()
            let offlineID = fixture.simulator.registerClient(smsID: offline.smsID, certificateDER: offline.certificateDER)

            let (status, json) = try await fixture.admin.post(
                "/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation",
                ["TargetCollectionID": "SMS00001", "Type": 8, "RandomizationWindow": 1]
            )
            #expect(status == 201)
            #expect(json["ReturnValue"] as? Int == 0)
            let operationID = try #require(json["OperationID"] as? Int)

            let request = try await succeeding.answerPush(returnCode: 1)
            let other = try await failing.answerPush(returnCode: 2)
            #expect(request.taskType == .requestPolicy)
            #expect(request.pushID != request.taskID)
            #expect(request.taskParam == "")
            #expect(request.pushID == other.pushID && request.taskID == other.taskID && request.taskGuid == other.taskGuid)
            #expect(GUIDText.canonical(request.taskGuid) == request.taskGuid)

            let path = "/AdminService/wmi/SMS_ClientOperationStatus(\(operationID))"
            var row: [String: Any] = [:]
            #expect(try await eventually {
                row = (try await fixture.admin.get(path).json["value"] as? [[String: Any]])?.first ?? [:]
                return row["UnknownClients"] as? Int == 0
            })
            #expect(row["TotalClients"] as? Int == 3)
            #expect(row["CompletedClients"] as? Int == 1)
            #expect(row["FailedClients"] as? Int == 1)
            #expect(row["OfflineClients"] as? Int == 1)
            #expect(row["State"] as? Int == 2)
            #expect(row["UniqueID"] as? String == request.taskGuid)
            #expect((row["RequestedTime"] as? String)?.hasSuffix("Z") == true)

            let all = try await fixture.admin.get("/AdminService/wmi/SMS_ClientOperationStatus")
            #expect((all.json["value"] as? [[String: Any]])?.count == 1)

            let counters = fixture.simulator.counters()
            #expect(counters.responsesMatched == 2)
            #expect(counters.responsesFailedReturnCode == 1)
            #expect(counters.pushesWritten == 2)
            #expect(counters.pushesOffline == 1)
            #expect(fixture.simulator.rttSnapshot().totalCount == 2)

            let record = try await fixture.admin.get("/Simulator/operations/\(operationID)")
            let clients = try #require(record.json["Clients"] as? [[String: Any]])
            #expect(clients.count == 3)
            let offlineRow = try #require(clients.first { $0["ResourceID"] as? Int == offlineID })
            #expect(offlineRow["Status"] as? String == "offline")
            #expect(offlineRow["Written"] as? Bool == false)
            let answered = clients.filter { $0["Responded"] as? Bool == true }
            #expect(answered.count == 2)
            #expect(answered.allSatisfy { ($0["RTTNanoseconds"] as? Int ?? 0) > 0 })
            #expect(Set(answered.compactMap { $0["ReturnCode"] as? Int }) == [1, 2])

            // A duplicate Response is counted, not matched again.
            try await succeeding.send(.response(BGBResponse(answering: request, timeStamp: .now(.utcWholeSeconds))))
            #expect(await eventually { fixture.simulator.counters().responsesDuplicate == 1 })
            // A Response to a push that never was is unmatched.
            try await succeeding.send(.response(BGBResponse(timeStamp: .now(.utcWholeSeconds), pushID: 999, taskID: 998)))
            #expect(await eventually { fixture.simulator.counters().responsesUnmatched == 1 })
            await succeeding.close()
            await failing.close()
        }
    }

    @Test("push to a target list: unknown ResourceIDs are offline; GetOnlineCount; InitiateClientOperationEx passes Param")
    func pushToTargets() async throws {
        try await Fixture.with { fixture in
            let first = try await fixture.onlineClient()
            let second = try await fixture.onlineClient()
            let firstID = try #require(fixture.simulator.resourceID(for: first.identity!.smsID))

            let (status, json) = try await fixture.admin.post(
                "/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation",
                ["TargetCollectionID": "SMS00001", "Type": 8, "TargetResourceIDs": [firstID, 99_999_999]]
            )
            #expect(status == 201)
            let operationID = OperationID(rawValue: try #require(json["OperationID"] as? Int))
            try await first.answerPush()
            #expect(await eventually { fixture.simulator.operationStatus(id: operationID)?.unknownClients == 0 })
            let operation = try #require(fixture.simulator.operationStatus(id: operationID))
            #expect(operation.totalClients == 2)
            #expect(operation.completedClients == 1)
            #expect(operation.offlineClients == 1)
            #expect(operation.state == .succeeded)
            // The other client was not a target.
            #expect(await second.nextEvent(timeout: .milliseconds(200)) == nil)

            let count = try await fixture.admin.post(
                "/AdminService/wmi/SMS_CN_ClientStatus.GetOnlineCount",
                ["TargetCollectionID": "SMS00001"]
            )
            #expect(count.json["ReturnValue"] as? Int == 2)

            let script = Data("<ScriptContent ScriptGuid='7DC6B6F1-E7F6-43C1-96E0-E1D16BC25C14'/>".utf8).base64EncodedString()
            let ex = try await fixture.admin.post(
                "/AdminService/wmi/SMS_ClientOperation.InitiateClientOperationEx",
                ["TargetCollectionID": "SMS00001", "Type": 145, "Param": script]
            )
            #expect(ex.status == 201)
            let pushed = try await second.answerPush()
            #expect(pushed.taskType == .runScript)
            #expect(pushed.taskParam == script)
            try await first.answerPush()

            let unknown = try await fixture.admin.post(
                "/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation",
                ["TargetCollectionID": "XYZ00042", "Type": 8]
            )
            #expect(unknown.status == 404)
            #expect((unknown.json["error"] as? [String: Any])?["message"] as? String != nil)
            let bad = try await fixture.admin.post("/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation", ["Type": "x"])
            #expect(bad.status == 400)
            await first.close()
            await second.close()
        }
    }

    @Test("configured collections and the type map")
    func collectionsAndTypeMap() async throws {
        try await Fixture.with({ configuration in
            configuration.collections = ["LAB00001": [ClientDirectory.firstResourceID]]
            configuration.typeMap = [9: 0]
        }) { fixture in
            let member = try await fixture.onlineClient()
            let outsider = try await fixture.onlineClient()
            let id = try fixture.simulator.initiateClientOperation(type: 9, collectionID: "LAB00001")
            let request = try await member.answerPush()
            #expect(request.taskType == TaskType(rawValue: 0))
            #expect(await outsider.nextEvent(timeout: .milliseconds(200)) == nil)
            #expect(await eventually { fixture.simulator.operationStatus(id: id)?.state == .succeeded })
            #expect(fixture.simulator.operationStatus(id: id)?.totalClients == 1)
            await member.close()
            await outsider.close()
        }
    }

    @Test("throttled fan-out reaches every target in batches")
    func throttled() async throws {
        try await Fixture.with({
            $0.pushThrottle = .init(clientsPerBatch: 1, batchInterval: .milliseconds(50))
        }) { fixture in
            var clients: [TestTCPClient] = []
            for _ in 0..<3 { clients.append(try await fixture.onlineClient()) }
            let id = try fixture.simulator.initiateClientOperation(type: 8)
            for client in clients { try await client.answerPush() }
            #expect(await eventually { fixture.simulator.operationStatus(id: id)?.completedClients == 3 })
            for client in clients { await client.close() }
        }
    }

    @Test("the admin API asks for the bearer token when one is configured")
    func bearerToken() async throws {
        try await Fixture.with({ $0.adminBearerToken = "s3cret" }) { fixture async throws in
            var anonymous = fixture.admin
            anonymous.token = nil
            #expect(try await anonymous.get("/AdminService/wmi/SMS_CN_ClientStatus").status == 401)
            #expect(try await fixture.admin.get("/AdminService/wmi/SMS_CN_ClientStatus").status == 200)
            #expect(try await fixture.admin.get("/AdminService/wmi/Nope").status == 404)
        }
    }
}
