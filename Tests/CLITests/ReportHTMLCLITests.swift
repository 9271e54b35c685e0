import Foundation
import Testing

/// `report.html` from the command line: a short run against the embedded simulator writes it,
/// and `report html` / `report merge` draw a before/after pair and a merged run.
@Suite("Command line: HTML report")
struct ReportHTMLCLITests {
    static func read(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test("a run writes report.html; report html draws an A/B pair; report merge draws the merged run")
    func runThenCompareAndMerge() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ReportHTMLCLITests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let pool = root.appendingPathComponent("pool").path
        let generate = try await CLITests.run(["identities", "generate", "--count", "4", "--key", "p256", "--out", pool])
        #expect(generate.status == 0, "\(generate.stderr)")

        // A profile of its own: the built-in smoke profile's thresholds need pushes.
        let profile = root.appendingPathComponent("tiny.yaml")
        try Data("sessions: 4\nrate: 50\nduration: 2s\nkeepalive: 1s\n".utf8).write(to: profile)

        var directories: [URL] = []
        for (name, threshold) in [("a", "errors==0"), ("b", "responses_sent>=1000000")] {
            let directory = root.appendingPathComponent(name)
            let run = try await CLITests.run(["run", "--profile", profile.path, "--identities", pool, "--quiet",
                                        "--threshold", threshold, "--output", directory.path], timeout: 120)
            #expect(run.status == (name == "a" ? 0 : 99), "\(run.stderr)")
            #expect(run.stdout.contains("report: \(directory.path)/report.html"))
            let page = try Self.read(directory.appendingPathComponent("report.html"))
            #expect(page.hasPrefix("<!DOCTYPE html>"))
            #expect(page.contains(name == "a" ? "<section class=\"verdict pass\">" : "<section class=\"verdict fail\">"))
            #expect(!page.lowercased().contains("http:") && !page.lowercased().contains("https:"))
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("summary.json"))) as! [String: Any]
            #expect(summary["verdict"] as? String == (name == "a" ? "pass" : "fail"))
            #expect((summary["thresholds"] as? [[String: Any]])?.first?["expression"] as? String == threshold)
            directories.append(directory)
        }

        let compare = root.appendingPathComponent("compare.html")
        let html = try await CLITests.run(["report", "html", directories[0].path, directories[1].path, "--output", compare.path])
        #expect(html.status == 0, "\(html.stderr)")
        let page = try Self.read(compare)
        #expect(page.contains("bgbfleet comparison"))
        #expect(page.contains("Thresholds of A") && page.contains("errors==0"))
        #expect(page.contains("Thresholds of B") && page.contains("responses_sent&gt;=1000000"))
        #expect(page.contains("data-series=\"A: signed in\"") && page.contains("data-series=\"B: signed in\""))

        let merged = root.appendingPathComponent("merged")
        let merge = try await CLITests.run(["report", "merge", directories[0].path, directories[1].path, "--output", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let mergedPage = try Self.read(merged.appendingPathComponent("report.html"))
        // Both thresholds, evaluated again on the merged run.
        #expect(mergedPage.contains("errors==0") && mergedPage.contains("responses_sent&gt;=1000000"))
        #expect(mergedPage.contains("<td class=\"key\">merged_runs</td><td class=\"value\">2</td>"))
        // One row per input in the table of inputs.
        #expect(mergedPage.contains("<tr><td>\(directories[0].path)</td>") && mergedPage.contains("<tr><td>\(directories[1].path)</td>"))

        let tooMany = try await CLITests.run(["report", "html", "x", "y", "z"])
        #expect(tooMany.status == 2)
        let missing = try await CLITests.run(["report", "html", root.appendingPathComponent("nope").path])
        #expect(missing.status == 2 && missing.stderr.contains("report directory not found"))
    }
}
