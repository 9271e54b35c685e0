import Foundation

/// Fitting the live line into a terminal's width: a line longer than the terminal wraps, and the
/// in-place rewrite (`\r`, erase line) then leaves a trail of broken lines.
extension LiveLine {
    /// Shorter labels, applied in order until the line fits.
    static let abbreviations: [(String, String)] = [
        ("  ", " "),
        ("signed-in ", "in "),
        ("reconnecting ", "recon "),
        ("connecting ", "conn "),
        ("responses ", "resp "),
        ("pushes ", "push "),
        ("response p50 ", "p50 "),
        ("errors ", "err "),
        (" | ", "|"),
    ]

    /// `line` made to fit `width` columns (the last column is left free so that the cursor
    /// never wraps): first shorter labels, then the lowest-priority segments dropped (the
    /// per-state counts other than signed-in, then the rates), and as the last resort the line
    /// cut with `…`. A `nil` or non-positive width leaves the line as it is.
    public static func fit(_ line: String, width: Int?) -> String {
        guard let width, width > 0 else { return line }
        let limit = max(1, width - 1)
        if line.count <= limit { return line }
        // The clock (`[  0:12]`) keeps its padding; the labels after it get shorter.
        let clockEnd = line.firstIndex(of: "]").map { line.index(after: $0) } ?? line.startIndex
        let clock = String(line[..<clockEnd])
        var rest = String(line[clockEnd...])
        var text = line
        for (long, short) in abbreviations {
            rest = rest.replacingAll(long, with: short)
            text = clock + rest
            if text.count <= limit { return text }
        }
        // Drop the per-state details after the signed-in count (`conn …  tls …  recon …  fail …`).
        var segments = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if let first = segments.first, let range = first.range(of: " conn ") {
            segments[0] = String(first[..<range.lowerBound])
            text = segments.joined(separator: "|")
            if text.count <= limit { return text }
        }
        // Then the rates segment (`push …/s resp …/s`), the second one.
        if segments.count > 2 {
            segments.remove(at: 1)
            text = segments.joined(separator: "|")
            if text.count <= limit { return text }
        }
        return String(text.prefix(limit - 1)) + "…"
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        var result = self
        while let range = result.range(of: target) {
            result.replaceSubrange(range, with: replacement)
        }
        return result
    }
}
