import ArgumentParser
import FleetMetrics
import Foundation

/// `bgbfleet report show|merge|html`: reprint, merge or draw report directories written by `bgbfleet run`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show, merge or draw (HTML) run report directories.",
        subcommands: [Show.self, Merge.self, HTML.self]
    )

    /// `bgbfleet report show DIR [--threshold EXPR]...`
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the summary table of a report directory (and evaluate thresholds)."
        )

        @Argument(help: "A report directory written by `bgbfleet run` or `bgbfleet report merge`.")
        var directory: String

        @Option(name: .customLong("threshold"), help: "A threshold to evaluate, e.g. 'response.p99<250ms' (repeatable).")
        var thresholds: [String] = []

        func run() throws {
            let parsed = try ReportCommand.parseThresholds(thresholds)
            let report = try ReportCommand.load(directory)
            print(SummaryTable.render(report.summary), terminator: "")
            guard !parsed.isEmpty else { return }
            let results = parsed.map { $0.evaluate(report.summary) }
            print("")
            print(ThresholdTable.render(results), terminator: "")
            if results.contains(where: { !$0.passed }) {
                throw CommandFailure(message: "thresholds failed", exitCode: ExitStatus.thresholdFailed)
            }
        }
    }

    /// `bgbfleet report merge DIR... --output DIR`
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge report directories (e.g. shards of one run) into a full new report set."
        )

        @Argument(help: "Report directories to merge.")
        var directories: [String]

        @Option(name: .shortAndLong, help: "Directory to write the merged report into (created if needed).")
        var output: String

        func validate() throws {
            guard !directories.isEmpty else {
                throw ValidationError("give at least one report directory to merge")
            }
        }

        func run() throws {
            let reports = try directories.map(ReportCommand.load)
            let merged: RunReport
            do {
                merged = try RunReport.merge(reports)
            } catch {
                throw CommandFailure.badInput(error.description)
            }
            do {
                try merged.write(to: URL(fileURLWithPath: output))
            } catch {
                throw CommandFailure.runFailed("cannot write merged report to \(output): \(error)")
            }
            let parts = zip(directories, reports).map { ReportData.Part(name: $0, summary: $1.summary) }
            let html = RunReportFinish.finish(directory: URL(fileURLWithPath: output), summary: merged.summary, results: nil, parts: parts)
            print(SummaryTable.render(merged.summary), terminator: "")
            if !merged.summary.thresholds.isEmpty { print(""); print(ThresholdTable.render(merged.summary.thresholds), terminator: "") }
            print("merged \(reports.count) report(s) into \(output)" + (html.map { "; open \($0.path)" } ?? ""))
        }
    }

    /// Loads a report directory, turning every problem into a bad-input failure naming the path.
    static func load(_ path: String) throws -> RunReport {
        do {
            return try RunReport.load(from: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure.badInput(error.description)
        }
    }
}
