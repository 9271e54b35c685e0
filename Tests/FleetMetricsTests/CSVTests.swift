import Foundation
import Testing
@testable import FleetMetrics

@Suite struct CSVTests {
    @Test func quotesOnlyWhenNeededAndParsesBack() throws {
        let rows = [
            ["plain", "with,comma", "with \"quote\"", "multi\nline", "", " padded "],
            ["1", "2", "3", "4", "5", "6"],
        ]
        let text = CSV.encode(header: ["a", "b", "c", "d", "e", "f"], rows: rows)
        #expect(text.hasPrefix("a,b,c,d,e,f\r\n"))
        #expect(text.contains("plain,\"with,comma\",\"with \"\"quote\"\"\",\"multi\nline\",,\" padded \"\r\n"))
        let table = try CSVTable(parsing: text)
        #expect(table.header == ["a", "b", "c", "d", "e", "f"])
        #expect(table.rows == rows)
        #expect(try table.column("d") == 3)
        #expect(throws: CSVError.missingColumn("z")) { try table.column("z") }
    }

    @Test func parserAcceptsLFAndRejectsMalformedInput() throws {
        #expect(try CSV.parse("x,y\n1,2") == [["x", "y"], ["1", "2"]])
        #expect(try CSV.parse("x,\n,") == [["x", ""], ["", ""]])
        #expect(throws: CSVError.unterminatedQuote(line: 2)) { try CSV.parse("a\n\"open,b\n") }
        #expect(throws: CSVError.quoteInUnquotedField(line: 1)) { try CSV.parse("ab\"c\n") }
        #expect(throws: CSVError.unexpectedCharacterAfterQuote(line: 1)) { try CSV.parse("\"a\"b\n") }
        #expect(throws: CSVError.fieldCount(row: 1, expected: 2, found: 1)) { try CSVTable(parsing: "a,b\n1\n") }
    }

    @Test func sessionAndPushRowsRoundTrip() throws {
        let sessions = [
            SessionReportRow(smsid: "GUID:1A2B", sourceAddress: "127.0.0.2", transport: "tcp", connects: 2,
                             reconnects: 1, keepalives: 40, pushes: 3, responses: 3, lastError: .reset),
            SessionReportRow(smsid: "GUID:\"odd\",name", sourceAddress: "127.0.0.3", transport: "http", connects: 1,
                             reconnects: 0, keepalives: 0, pushes: 0, responses: 0, lastError: nil),
        ]
        let sessionsText = CSV.encode(header: SessionReportRow.header, rows: sessions.map(\.fields))
        #expect(try SessionReportRow.parse(csv: sessionsText) == sessions)

        let pushes = [
            PushReportRow(triggerTime: Date(timeIntervalSince1970: 1_764_183_790.125), type: "8", taskType: "RequestMachinePolicy",
                          targets: 100, reached: 99, answered: 98, fanoutP50: 1_234_000, fanoutP99: 45_678_000, fanoutMax: 99_000_000),
        ]
        let pushesText = CSV.encode(header: PushReportRow.header, rows: pushes.map(\.fields))
        #expect(pushesText.contains("2025-11-26T19:03:10.125Z,8,RequestMachinePolicy,100,99,98,1.234,45.678,99.000"))
        #expect(try PushReportRow.parse(csv: pushesText) == pushes)
        #expect(throws: CSVError.invalidValue(column: "connects", value: "x")) {
            try SessionReportRow.parse(csv: sessionsText.replacingOccurrences(of: "tcp,2,", with: "tcp,x,"))
        }
    }
}
