import ArgumentParser
import FleetMetrics
import Foundation

extension ReportCommand {
    /// `bgbfleet report html DIR [B] [--output FILE] [--threshold EXPR]...`
    struct HTML: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "html",
            abstract: "Write the self-contained HTML report of a run, or the before/after page of two runs.",
            discussion: """
                With one directory: writes DIR/report.html (the same page every run writes at its end), \
                or FILE with --output. With two: the comparison page of A (before) and B (after) — both \
                verdicts and thresholds, each metric's percentiles with the change in percent marked \
                better or worse, and the charts overlaid — written to compare.html in the current \
                directory, or FILE with --output. Works on merged report directories too.

                --threshold evaluates the given thresholds against each run for the page (replacing the \
                ones stored in summary.json); summary.json itself is not changed.

                The file needs nothing else: open it in any browser, offline, or send it as an attachment.
                """
        )

        @Argument(help: "One report directory, or two (A = before, B = after) for the comparison page.")
        var directories: [String]

        @Option(name: .shortAndLong, help: "The HTML file to write (default: DIR/report.html; with two directories ./compare.html).")
        var output: String?

        @Option(name: .customLong("threshold"), help: "A threshold to evaluate for the page, e.g. 'response.p99<250ms' (repeatable).")
        var thresholds: [String] = []

        func validate() throws {
            guard (1...2).contains(directories.count) else {
                throw ValidationError("give one report directory, or two (A B) to compare; got \(directories.count)")
            }
        }

        func run() throws {
            let parsed = try ReportCommand.parseThresholds(thresholds)
            var data = try directories.map { path in
                do {
                    return try ReportData.load(from: URL(fileURLWithPath: path))
                } catch {
                    throw CommandFailure.badInput(String(describing: error))
                }
            }
            if !parsed.isEmpty {
                for index in data.indices {
                    data[index].summary.thresholds = parsed.map { ThresholdRecord($0.evaluate(data[index].summary)) }
                }
            }
            let page: String
            let target: URL
            if data.count == 1 {
                page = ReportPage.render(data[0])
                target = URL(fileURLWithPath: output ?? URL(fileURLWithPath: directories[0]).appendingPathComponent(RunReportWriter.FileName.html).path)
            } else {
                page = ComparePage.render(data[0], data[1])
                target = URL(fileURLWithPath: output ?? "compare.html")
            }
            do {
                try Data(page.utf8).write(to: target, options: .atomic)
            } catch {
                throw CommandFailure.runFailed("cannot write \(target.path): \(error)")
            }
            print("wrote \(target.path) (\(page.utf8.count / 1024) KiB)")
        }
    }
}

extension ReportCommand {
    /// Parses `--threshold` expressions; a bad one is bad input (exit 2).
    static func parseThresholds(_ expressions: [String]) throws -> [Threshold] {
        do {
            return try Threshold.parseAll(expressions)
        } catch {
            throw CommandFailure.badInput(error.description)
        }
    }
}

/// The last step of every run and merge: the thresholds' outcome into `summary.json` (and
/// `summary.csv`), then `report.html` beside them.
enum RunReportFinish {
    /// Stores `results` (when given) in the summary, rewrites the summary files, and writes
    /// `report.html`. The run's data is complete before this: a failure here is reported on
    /// stderr and returns nil instead of failing the run.
    @discardableResult
    /// `parts`: the inputs of `report merge`, for the per-input table (shards of `--processes`
    /// are found as `shard-N/`).
    static func finish(directory: URL, summary: RunSummary, results: [ThresholdResult]?, parts: [ReportData.Part]? = nil) -> URL? {
        var summary = summary
        if let results { summary.thresholds = results.map(ThresholdRecord.init) }
        do {
            try summary.jsonData().write(to: directory.appendingPathComponent(RunReportWriter.FileName.summaryJSON), options: .atomic)
            try Data(summary.csv().utf8).write(to: directory.appendingPathComponent(RunReportWriter.FileName.summaryCSV), options: .atomic)
        } catch {
            stderrLine("bgbfleet: cannot add the thresholds to \(directory.path)/summary.json: \(error)")
        }
        let target = directory.appendingPathComponent(RunReportWriter.FileName.html)
        do {
            let data = try ReportData.load(from: directory, parts: parts)
            try Data(ReportPage.render(data).utf8).write(to: target, options: .atomic)
            return target
        } catch {
            stderrLine("bgbfleet: cannot write \(target.path): \(error)")
            return nil
        }
    }
}
