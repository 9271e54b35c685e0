/// The indented text `bgbfleet inspect` prints.
struct InspectReport {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String = "") {
        text += String(repeating: "  ", count: depth) + content + "\n"
    }

    mutating func field(_ name: String, _ value: String) {
        let padded = name.count < 18 ? name + String(repeating: " ", count: 18 - name.count) : name + " "
        line(padded + value)
    }

    mutating func section(_ title: String, _ body: (inout InspectReport) throws -> Void) rethrows {
        line(title)
        depth += 1
        defer { depth -= 1 }
        try body(&self)
    }
}

/// An error found while inspecting, with where it was found.
struct InspectError: Error, CustomStringConvertible {
    var location: String
    var reason: String

    var description: String { "\(location): \(reason)" }
}
