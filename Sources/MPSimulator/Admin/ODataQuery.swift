import Foundation

/// The OData query options the simulator's AdminService takes: `$filter` as `Property eq value`
/// clauses joined by `or` (string values in single quotes, `''` for a quote), and `$select`.
struct ODataQuery {
    /// Nil: no `$filter`.
    var clauses: [(property: String, value: String)]?
    /// Nil: no `$select`.
    var select: [String]?

    init(uri: String) throws(AdminRouter.AdminError) {
        guard let mark = uri.firstIndex(of: "?") else { return }
        for part in uri[uri.index(after: mark)...].split(separator: "&") {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]).removingPercentEncoding ?? String(pair[0])
            let value = pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : ""
            switch name.lowercased() {
            case "$filter": clauses = try Self.parseFilter(value)
            case "$select": select = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default: break
            }
        }
    }

    /// Whether a row passes the filter (property names compare case-insensitively, values as text).
    func matches(_ row: [String: Any]) -> Bool {
        guard let clauses else { return true }
        return clauses.contains { clause in
            guard let value = row.first(where: { $0.key.caseInsensitiveCompare(clause.property) == .orderedSame })?.value else { return false }
            return "\(value)".caseInsensitiveCompare(clause.value) == .orderedSame
        }
    }

    /// The row with the selected properties only.
    func project(_ row: [String: Any]) -> [String: Any] {
        guard let select else { return row }
        return row.filter { key, _ in select.contains { $0.caseInsensitiveCompare(key) == .orderedSame } }
    }

    static func parseFilter(_ text: String) throws(AdminRouter.AdminError) -> [(property: String, value: String)] {
        let unsupported = AdminRouter.AdminError.badRequest(
            "$filter: the simulator takes `Property eq value` clauses joined by `or` (got \(text.prefix(120)))"
        )
        var clauses: [(String, String)] = []
        var rest = Substring(text)
        func skipSpaces() { rest = rest.drop { $0 == " " } }
        func word() -> Substring {
            skipSpaces()
            let end = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
            defer { rest = rest[end...] }
            return rest[..<end]
        }
        while true {
            let property = word()
            guard !property.isEmpty, word().lowercased() == "eq" else { throw unsupported }
            skipSpaces()
            var value = ""
            if rest.first == "'" {
                rest = rest.dropFirst()
                var closed = false
                while let char = rest.first {
                    rest = rest.dropFirst()
                    if char == "'" {
                        if rest.first == "'" {
                            value.append("'")
                            rest = rest.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        value.append(char)
                    }
                }
                guard closed else { throw unsupported }
            } else {
                value = String(word())
                guard Int(value) != nil else { throw unsupported }
            }
            clauses.append((String(property), value))
            skipSpaces()
            if rest.isEmpty { return clauses }
            guard word().lowercased() == "or" else { throw unsupported }
        }
    }
}
