// libFuzzer target: the .hlog reader (`report show|merge` read files a user hands over).
//
// The input goes three ways: as the text of an interval log (HistogramLogReader.parse), as a
// compressed V2 histogram and as an uncompressed one. Besides "does not crash, does not hang",
// it checks: a log that parses writes back (HistogramLogWriter's encoding of each interval's
// histogram) to a histogram that decodes to the same counts; every decoded histogram's total
// equals the sum of its counts; the log's total either succeeds or reports a layout mismatch.
import FleetMetrics
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzLog(String(decoding: bytes, as: UTF8.self))
    fuzzEncoding(bytes)
    return 0
}

func fuzzLog(_ text: String) {
    let log: HistogramLog
    do {
        log = try HistogramLogReader.parse(text)
    } catch {
        _ = String(describing: error)
        return
    }
    for interval in log.intervals {
        precondition(interval.start.isFinite && interval.length.isFinite && interval.length >= 0, "a non-finite interval was accepted")
        checkHistogram(interval.histogram)
        roundTrip(interval.histogram)
    }
    _ = log.effectiveBaseTime
    do {
        let total = try log.total()
        checkHistogram(total)
    } catch {
        _ = String(describing: error)
    }
}

func fuzzEncoding(_ bytes: [UInt8]) {
    for decode in [HistogramSnapshot.decodeCompressedV2, HistogramSnapshot.decodeV2] {
        do {
            let histogram = try decode(bytes)
            checkHistogram(histogram)
            roundTrip(histogram)
        } catch {
            _ = String(describing: error)
        }
    }
    // The same bytes as Base64 text of an interval line's last field.
    if let text = String(bytes: bytes, encoding: .ascii), let histogram = try? HistogramSnapshot.decodeCompressedBase64(text) {
        checkHistogram(histogram)
    }
}

/// Statistics of any decoded histogram are computable (nothing traps).
func checkHistogram(_ histogram: HistogramSnapshot) {
    var sum: UInt64 = 0
    for count in histogram.counts { sum &+= count }
    precondition(sum == histogram.totalCount, "totalCount differs from the sum of the counts")
    if histogram.totalCount > 0 {
        _ = histogram.valueAtPercentile(50)
        _ = histogram.valueAtPercentile(99.99)
        _ = histogram.valueAtPercentile(100)
    }
    _ = histogram.mean
}

/// What decodes re-encodes (uncompressed and compressed) to the same counts, where the encoder
/// can represent them (counts up to Int64.max).
func roundTrip(_ histogram: HistogramSnapshot) {
    guard histogram.counts.allSatisfy({ $0 <= UInt64(Int64.max) }) else { return }
    do {
        let again = try HistogramSnapshot.decodeV2(histogram.encodeV2())
        precondition(again.counts == histogram.counts, "uncompressed V2 round trip changed the counts")
        let compressed = try HistogramSnapshot.decodeCompressedV2(try histogram.encodeCompressedV2())
        precondition(compressed.counts == histogram.counts, "compressed V2 round trip changed the counts")
    } catch {
        preconditionFailure("a decoded histogram does not round-trip: \(error)")
    }
}
