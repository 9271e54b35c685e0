import Foundation
import Testing
import ZlibSupport

@testable import FleetMetrics

/// Report files a user hands to `report show|merge` (and shard reports a parent merges) are input:
/// each crafted file here once trapped; now each is an error naming the place.
@Suite struct BadReportFileTests {
    /// An uncompressed V2 encoding of the default layout with `payload` as its counts.
    static func v2(payload: [UInt8]) -> [UInt8] {
        var bytes = Array(HistogramSnapshot().encodeV2().prefix(40))
        bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init))
        return bytes + payload
    }

    /// The Base64 compressed form of `v2(payload:)`, as an `.hlog` line carries it.
    static func compressedBase64(payload: [UInt8]) -> String {
        let deflated = Zlib.compress(v2(payload: payload), level: 9)
        var bytes: [UInt8] = []
        bytes.appendBigEndian(HistogramSnapshot.v2CompressedEncodingCookieBase | 0x10)
        bytes.appendBigEndian(UInt32(deflated.count))
        return Data(bytes + deflated).base64EncodedString()
    }

    static let valid: String = try! HistogramSnapshot().encodeCompressedBase64()

    @Test("an all-0xFF LEB128 value (Int64.min) is a malformed encoding, not a trap")
    func int64MinZeroRun() throws {
        let allOnes = [UInt8](repeating: 0xFF, count: 9)
        var offset = 0
        let decoded = ZigZagLEB128.read(allOnes, at: &offset, end: 9)
        #expect(decoded == .min)
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeV2(Self.v2(payload: allOnes)) }
        let line = "0.000,1.000,0.0,\(Self.compressedBase64(payload: allOnes))"
        #expect {
            try HistogramLogReader.parse("#[StartTime: 1700000000.000]\n" + line + "\n")
        } throws: { error in
            guard case .malformedLogLine(let number, let reason) = error as? HistogramCodingError else { return false }
            return number == 2 && reason.contains("zero run")
        }
    }

    @Test("a layout whose highest trackable value exceeds Int64.max is refused (FuzzHlog crash-c6c48a65)")
    func highestAboveInt64Max() throws {
        // The fuzzer's input: 0 digits, lowest 196,608, highest 0xfd17fffffcbd30b8, two counts;
        // its max (and every percentile) overflowed UInt64 in highestEquivalentValue.
        let crash = GoldenBytes.hex("1c8493130000000600000000000000000000000000030000fd17fffffcbd30b83ff000000000000003050a044f0e")
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeV2(crash) }
        #expect(HistogramLayout.validate(lowestDiscernibleValue: 1, highestTrackableValue: UInt64(Int64.max), significantDigits: 3) == nil)
        #expect(HistogramLayout.validate(lowestDiscernibleValue: 1, highestTrackableValue: UInt64(Int64.max) + 1, significantDigits: 3) != nil)
        // At the limit, the top slot's range is still representable (the crash's shape: 0 digits).
        for (lowest, digits) in [(UInt64(196_608), 0), (1, 3), (1, 5), (1 << 40, 2)] {
            let layout = HistogramLayout(lowestDiscernibleValue: lowest, highestTrackableValue: UInt64(Int64.max), significantDigits: digits)
            let top = layout.value(atIndex: layout.countsLength - 1)
            #expect(layout.highestEquivalentValue(top) >= top)
            var histogram = HistogramSnapshot(layout: layout)
            histogram.record(UInt64(Int64.max))
            #expect(histogram.max >= UInt64(Int64.max) / 2)
        }
    }

    @Test("NaN, infinite and absurd times in interval lines are rejected with their line",
          arguments: ["nan,1.0,0.0", "inf,1.0,0.0", "-inf,1.0,0.0", "1.0,nan,0.0", "1.0,inf,0.0", "1.0,-1.0,0.0",
                      "1e300,1.0,0.0", "1.0,1.0,nan"])
    func nonFiniteIntervalTimes(fields: String) {
        #expect {
            try HistogramLogReader.parse("# comment\n\(fields),\(Self.valid)\n")
        } throws: { error in
            guard case .malformedLogLine(let number, _) = error as? HistogramCodingError else { return false }
            return number == 2
        }
    }

    @Test("NaN and infinite header times are rejected", arguments: ["#[StartTime: nan]", "#[BaseTime: inf]", "#[StartTime: 1e300]"])
    func nonFiniteHeaderTimes(header: String) {
        #expect(throws: HistogramCodingError.malformedLogLine(line: 1, reason: "header time '\(header.split(separator: " ")[1].dropLast())' is out of range")) {
            try HistogramLogReader.parse(header + "\n")
        }
    }

    static func report(start: Double, intervals: [HistogramLogInterval]) -> RunReport {
        let summary = RunSummary(startTime: Date(timeIntervalSince1970: start), durationSeconds: 1,
                                 histograms: [:], counters: CounterSnapshot(), plan: [:])
        var logs: [MetricName: HistogramLog] = [:]
        for metric in MetricName.allCases {
            logs[metric] = HistogramLog(startTime: start, baseTime: start, intervals: intervals)
        }
        return RunReport(summary: summary, logs: logs, sessions: [], pushes: [])
    }

    @Test("merging intervals that cannot be put on one grid is an error, not a trap")
    func unalignableMerge() throws {
        var histogram = HistogramSnapshot()
        histogram.record(1_000)
        let tiny = Self.report(start: 1_700_000_000, intervals: [HistogramLogInterval(start: 0, length: 1e-300, histogram: histogram)])
        let later = Self.report(start: 1_700_000_100, intervals: [HistogramLogInterval(start: 0, length: 1, histogram: histogram)])
        #expect {
            try RunReport.merge([tiny, later])
        } throws: { error in
            guard case .unalignable = error as? RunReportError else { return false }
            return true
        }
    }

    /// `summary.json` of an empty run, as a mutable JSON object.
    static func summaryObject() throws -> [String: Any] {
        let summary = RunSummary(startTime: Date(timeIntervalSince1970: 1_700_000_000), durationSeconds: 1,
                                 histograms: [:], counters: CounterSnapshot(), plan: [:])
        return try JSONSerialization.jsonObject(with: summary.jsonData()) as! [String: Any]
    }

    @Test("summary.json values that would trap a conversion are decoding errors",
          arguments: ["loop_lag_p99_ms=-1", "loop_lag_max_ms=1e300", "start_time=1e300", "duration_s=-5", "mean_ms=-1"])
    func badSummaryValues(change: String) throws {
        let parts = change.split(separator: "=")
        let key = String(parts[0])
        let value = Double(parts[1])!
        var object = try Self.summaryObject()
        switch key {
        case "loop_lag_p99_ms", "loop_lag_max_ms":
            var generator = object["generator"] as! [String: Any]
            generator[key] = value
            object["generator"] = generator
        case "mean_ms":
            var metrics = object["metrics"] as! [String: Any]
            var response = metrics["response"] as! [String: Any]
            response[key] = value
            metrics["response"] = response
            object["metrics"] = metrics
        default:
            object[key] = value
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try RunSummary.decode(json: data) }
        // The unchanged object still decodes.
        #expect(throws: Never.self) { try RunSummary.decode(json: JSONSerialization.data(withJSONObject: try Self.summaryObject())) }
    }
}

enum GoldenBytes {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
