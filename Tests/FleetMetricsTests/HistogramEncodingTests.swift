import Foundation
import Testing
@testable import FleetMetrics

@Suite struct HistogramEncodingTests {
    @Test func uncompressedV2MatchesTheSpecifiedBytes() throws {
        var snapshot = HistogramSnapshot()
        snapshot.record(1_000, count: 3) // slot 1 (1000 >> 9)
        let bytes = snapshot.encodeV2()
        let expectedHeader: [UInt8] = [
            0x1C, 0x84, 0x93, 0x13, // V2 cookie | word-size nibble
            0, 0, 0, 2,             // payload length
            0, 0, 0, 0,             // normalizingIndexOffset
            0, 0, 0, 3,             // significant digits
            0, 0, 0, 0, 0, 0, 0x03, 0xE8,             // lowest 1000
            0, 0, 0x03, 0x46, 0x30, 0xB8, 0xA0, 0x00, // highest 3.6e12
            0x3F, 0xF0, 0, 0, 0, 0, 0, 0,             // 1.0
        ]
        #expect(Array(bytes.prefix(40)) == expectedHeader)
        // slot 0 empty (a single zero is written as 0), slot 1 = 3 → ZigZag 6.
        #expect(Array(bytes.dropFirst(40)) == [0x00, 0x06])
        #expect(try HistogramSnapshot.decodeV2(bytes) == snapshot)
    }

    @Test func zeroRunsAreNegativeAndLargeCountsUseNineBytes() throws {
        var snapshot = HistogramSnapshot()
        snapshot.record(5_000_000, count: 1 << 62)
        snapshot.record(3_000)
        let bytes = snapshot.encodeV2()
        var offset = 40
        #expect(ZigZagLEB128.read(bytes, at: &offset, end: bytes.count) == -5) // slots 0...4 empty
        #expect(ZigZagLEB128.read(bytes, at: &offset, end: bytes.count) == 1)  // slot 5 (3000 >> 9)
        let decoded = try HistogramSnapshot.decodeV2(bytes)
        #expect(decoded == snapshot)
        for value: Int64 in [0, -1, 1, 63, -64, 64, 8_191, -8_192, 1 << 55, (1 << 56) + 1, Int64.max, Int64.min] {
            var buffer: [UInt8] = []
            ZigZagLEB128.append(value, to: &buffer)
            #expect(buffer.count <= 9)
            var position = 0
            #expect(ZigZagLEB128.read(buffer, at: &position, end: buffer.count) == value)
            #expect(position == buffer.count)
        }
    }

    @Test func compressedRoundTripIsExact() throws {
        for seed: UInt64 in [1, 2, 3] {
            let snapshot = HistogramSnapshot.of(latencySamples(count: 5_000, seed: seed))
            let compressed = try snapshot.encodeCompressedV2()
            #expect(Array(compressed.prefix(4)) == [0x1C, 0x84, 0x93, 0x14])
            #expect(try HistogramSnapshot.decodeCompressedV2(compressed) == snapshot)
            #expect(try HistogramSnapshot.decodeCompressedBase64(snapshot.encodeCompressedBase64()) == snapshot)
        }
        let empty = HistogramSnapshot()
        #expect(try HistogramSnapshot.decodeCompressedBase64(empty.encodeCompressedBase64()) == empty)
    }

    /// Produced by the Python `hdrhistogram` package (HdrHistogram(1000, 3600000000000, 3) with
    /// 1000, 5000, 5000, 123456789 and 3600000000000 recorded, then `encode()`): an independent
    /// implementation's bytes must decode to the same counts.
    @Test func decodesAnEncodingFromAnotherImplementation() throws {
        let python = "HISTFAAAAC14nJNpmSzMwMDAwwABzFDqBRC7GexYwGD/ASLCyMTLsrCXken+G0YmAK5dCFQ="
        let decoded = try HistogramSnapshot.decodeCompressedBase64(python)
        #expect(decoded.layout == .latency)
        #expect(decoded == .of([1_000, 5_000, 5_000, 123_456_789, 3_600_000_000_000]))
    }

    @Test func otherLayoutsDecodeWithTheirOwnLayout() throws {
        let layout = HistogramLayout(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, significantDigits: 2)
        let snapshot = HistogramSnapshot.of([1, 17, 4_000, 99_999_999], layout: layout)
        let decoded = try HistogramSnapshot.decodeCompressedV2(snapshot.encodeCompressedV2())
        #expect(decoded.layout == layout)
        #expect(decoded == snapshot)
    }

    @Test func corruptEncodingsAreRejected() throws {
        let good = try HistogramSnapshot.of([1_000, 2_000]).encodeCompressedV2()
        var badCookie = good
        badCookie[0] = 0x00
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeCompressedV2(badCookie) }
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeCompressedV2(Array(good.dropLast(3))) }
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeCompressedBase64("!!not base64!!") }
        var lying = HistogramSnapshot.of([1_000]).encodeV2()
        lying[7] = 9 // payload length that does not match
        #expect(throws: HistogramCodingError.self) { try HistogramSnapshot.decodeV2(lying) }
    }

    @Test func hlogRoundTripThroughAFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("response.hlog")
        let start = Date(timeIntervalSince1970: 1_764_183_780.25)
        let writer = try HistogramLogWriter(url: url, startTime: start, comment: "[test]")
        let intervals = (0..<4).map { i in
            HistogramSnapshot.of(latencySamples(count: 300 * (i + 1), seed: UInt64(40 + i)))
        }
        for (i, histogram) in intervals.enumerated() {
            try writer.append(start: Double(i), length: 1, histogram: histogram)
        }
        try writer.append(start: 4, length: 1, histogram: HistogramSnapshot())
        try writer.close()

        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "#[test]")
        #expect(lines[1].hasPrefix("#[StartTime: 1764183780.250 (seconds since epoch), "))
        #expect(lines[1].hasSuffix(" UTC 2025]"))
        #expect(lines[2] == "#[BaseTime: 1764183780.250 (seconds since epoch)]")
        #expect(lines[3] == "#[Histogram log format version 1.3]")
        #expect(lines[4] == "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"")
        let fields = lines[5].split(separator: ",")
        #expect(fields[0] == "0.000" && fields[1] == "1.000")
        #expect(fields[2] == Substring(String(format: "%.3f", Double(intervals[0].max) / 1e6)))

        let log = try HistogramLogReader.read(contentsOf: url)
        #expect(log.startTime == 1_764_183_780.25)
        #expect(log.baseTime == 1_764_183_780.25)
        #expect(log.intervals.count == 5)
        for (i, histogram) in intervals.enumerated() {
            #expect(log.intervals[i].histogram == histogram)
            #expect(log.intervals[i].start == Double(i))
            #expect(log.absoluteStart(of: log.intervals[i]) == 1_764_183_780.25 + Double(i))
        }
        #expect(log.intervals[4].histogram.isEmpty)
        let total = try log.total()
        #expect(total == intervals.reduce(HistogramSnapshot()) { $0.merged(with: $1) })
    }

    @Test func hlogReaderAcceptsTagsAndInfersBaseTime() throws {
        let histogram = HistogramSnapshot.of([1_500_000, 2_500_000])
        let text = "#[StartTime: 1000.000 (seconds since epoch), x]\n"
            + "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
            + (try HistogramLogWriter.intervalLine(start: 2.5, length: 1, histogram: histogram, tag: "shard1"))
        let log = try HistogramLogReader.parse(text)
        #expect(log.intervals.count == 1)
        #expect(log.intervals[0].tag == "shard1")
        #expect(log.intervals[0].histogram == histogram)
        #expect(log.absoluteStart(of: log.intervals[0]) == 2.5) // no BaseTime, absolute-looking stamps
    }

    @Test func hlogReaderNamesTheBadLine() {
        let text = "#[BaseTime: 0.000 (seconds since epoch)]\n0.000,1.000,0.000,AAAA\n"
        #expect {
            try HistogramLogReader.parse(text)
        } throws: { error in
            guard case .malformedLogLine(let line, _) = error as? HistogramCodingError else { return false }
            return line == 2
        }
        #expect(throws: HistogramCodingError.malformedLogLine(line: 1, reason: "expected 4 comma-separated fields, found 2")) {
            try HistogramLogReader.parse("1.0,2.0\n")
        }
    }
}
