import Foundation

/// A small RFC 4180 CSV encoder and parser.
///
/// Rows end with CRLF; a field is quoted when it contains a comma, a double quote, CR or LF (or
/// leading/trailing spaces), with embedded quotes doubled. The parser accepts CRLF or LF line
/// ends and quoted fields spanning lines.
public enum CSV {
    /// One field, quoted when needed.
    public static func encodeField(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record, terminated by CRLF.
    public static func encodeRow(_ fields: [String]) -> String {
        fields.map(encodeField).joined(separator: ",") + "\r\n"
    }

    /// A whole document: header then rows.
    public static func encode(header: [String], rows: [[String]]) -> String {
        var text = encodeRow(header)
        for row in rows { text += encodeRow(row) }
        return text
    }

    /// Parses a document into records of fields. A final line break is optional; empty lines
    /// between records are skipped.
    public static func parse(_ text: String) throws(CSVError) -> [[String]] {
        let bytes = Array(text.utf8)
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0
        var line = 1
        var fieldStarted = false
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            if !(record.isEmpty && !fieldStarted && field.isEmpty) {
                endField()
                records.append(record)
            }
            record = []
        }

        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote && field.isEmpty && !fieldStarted {
                // Quoted field.
                fieldStarted = true
                index += 1
                let startLine = line
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == quote {
                        if index + 1 < bytes.count && bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    if b == lf { line += 1 }
                    field.append(b)
                    index += 1
                }
                guard closed else { throw .unterminatedQuote(line: startLine) }
                if index < bytes.count, bytes[index] != comma, bytes[index] != cr, bytes[index] != lf {
                    throw .unexpectedCharacterAfterQuote(line: line)
                }
                continue
            }
            switch byte {
            case comma:
                endField()
            case cr where index + 1 < bytes.count && bytes[index + 1] == lf:
                index += 1
                endRecord()
                line += 1
            case lf:
                endRecord()
                line += 1
            case quote:
                throw .quoteInUnquotedField(line: line)
            default:
                fieldStarted = true
                field.append(byte)
            }
            index += 1
        }
        endRecord()
        return records
    }
}

/// A parsed CSV document with a header row.
public struct CSVTable: Sendable, Equatable {
    /// Column names.
    public var header: [String]
    /// Data rows, each as long as the header.
    public var rows: [[String]]

    /// Parses `text`; the first record is the header and every row must have as many fields.
    public init(parsing text: String) throws(CSVError) {
        let records = try CSV.parse(text)
        guard let header = records.first else { throw .empty }
        for (offset, row) in records.dropFirst().enumerated() where row.count != header.count {
            throw .fieldCount(row: offset + 1, expected: header.count, found: row.count)
        }
        self.header = header
        rows = Array(records.dropFirst())
    }

    /// Index of a column; throws when missing.
    public func column(_ name: String) throws(CSVError) -> Int {
        guard let index = header.firstIndex(of: name) else { throw .missingColumn(name) }
        return index
    }

    /// Rows as dictionaries keyed by column name.
    public var records: [[String: String]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

/// Why a CSV document could not be parsed or used.
public enum CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    case unterminatedQuote(line: Int)
    case unexpectedCharacterAfterQuote(line: Int)
    case quoteInUnquotedField(line: Int)
    case empty
    case fieldCount(row: Int, expected: Int, found: Int)
    case missingColumn(String)
    case invalidValue(column: String, value: String)

    public var description: String {
        switch self {
        case .unterminatedQuote(let line): "CSV: quoted field starting on line \(line) is not closed"
        case .unexpectedCharacterAfterQuote(let line): "CSV: unexpected character after a closing quote on line \(line)"
        case .quoteInUnquotedField(let line): "CSV: double quote inside an unquoted field on line \(line)"
        case .empty: "CSV: no header row"
        case .fieldCount(let row, let expected, let found): "CSV: row \(row) has \(found) fields, the header has \(expected)"
        case .missingColumn(let name): "CSV: missing column '\(name)'"
        case .invalidValue(let column, let value): "CSV: invalid value '\(value)' in column '\(column)'"
        }
    }
}
