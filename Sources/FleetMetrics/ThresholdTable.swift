import Foundation

/// Renders threshold results as an aligned plain-text table.
public enum ThresholdTable {
    /// `PASS`/`FAIL`, the expression and the observed value, one line each, plus a verdict line.
    public static func render(_ results: [ThresholdResult]) -> String {
        guard !results.isEmpty else { return "no thresholds\n" }
        let rows = results.map { [$0.notJudged ? "-" : $0.passed ? "PASS" : "FAIL", $0.threshold.expression, $0.observedText] }
        var text = TextTable.render(header: ["result", "threshold", "observed"], rows: rows, rightAligned: [])
        let failed = results.filter { !$0.passed }.count
        text += failed == 0 ? "all \(results.count) thresholds passed\n" : "\(failed) of \(results.count) thresholds failed\n"
        return text
    }
}

/// Plain-text table layout shared by the renderers.
enum TextTable {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, field) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], field.count) }
        }
        func line(_ fields: [String]) -> String {
            var parts: [String] = []
            for (i, field) in fields.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - field.count)
                parts.append(rightAligned.contains(i) ? pad + field : field + pad)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        var text = line(header)
        text += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { text += line(row) }
        return text
    }
}
