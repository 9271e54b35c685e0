import FleetMetrics
import Foundation

/// The line a shard process prints on stdout every second for its parent (`--status-json`):
/// cumulative counters and the interval's `response` histogram, so the parent's live line is an
/// exact merge of the shards'.
struct ShardStatus: Codable {
    var shard: Int
    var elapsed: Double
    var length: Double
    var counters: CounterSnapshot
    /// The interval's `response` histogram, V2 compressed, base64.
    var response: String?
    var final: Bool

    init(shard: Int, interval: IntervalRecord, elapsed: Double, final: Bool) {
        self.shard = shard
        self.elapsed = elapsed
        self.length = interval.length
        self.counters = interval.counters
        self.response = try? interval.histograms[.response]?.encodeCompressedBase64()
        self.final = final
    }

    var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    static func parse(_ line: Substring) -> ShardStatus? {
        try? JSONDecoder().decode(ShardStatus.self, from: Data(line.utf8))
    }
}
