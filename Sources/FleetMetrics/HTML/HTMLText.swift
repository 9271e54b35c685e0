/// Escaping for text and attribute values in `report.html`.
///
/// Besides `& < > " '`, the colon of a URL scheme (`http:`, `https:`, any `scheme://`) is written
/// as `&#58;`: a browser shows the same text, but the file holds no literal `http:` — a report
/// never references anything outside itself, and scanners need not wonder (plan values such as a
/// trigger URL are shown as text, never as links).
enum HTMLText {
    /// `text` escaped for element content or a quoted attribute value.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previous: Character?
        var iterator = text.makeIterator()
        var pending = iterator.next()
        while let character = pending {
            let next = iterator.next()
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case ":" where next == "/" && (previous?.isLetter ?? false):
                result += "&#58;"
            default: result.append(character)
            }
            previous = character
            pending = next
        }
        return result
    }
}
