import ArgumentParser
import Foundation

/// `bgbfleet inspect FILE | --hex HEX`: decodes captured bytes and prints them readably.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode a BGB TCP frame, an HTTP BGB message or a registration request/reply.",
        discussion: """
            Input is a file of raw bytes or of hexadecimal text (like Tests/Vectors/*.hex), or \
            --hex on the command line. TCP input may hold several frames. HTTP input is one complete \
            HTTP/1.1 message (start line, headers, body): CCM_POST /bgb/handler.ashx (LogIn, Continue, \
            LogOut) and its answers (200, 280, 990), or CCM_POST /ccm_system/request and its reply.
            Malformed input prints what is wrong and where, and exits with status 2.
            """
    )

    @Argument(help: "A file holding the bytes, raw or as hexadecimal text.")
    var file: String?

    @Option(help: "The bytes as hexadecimal (whitespace allowed).")
    var hex: String?

    func validate() throws {
        if (file == nil) == (hex == nil) {
            throw ValidationError("give exactly one of FILE or --hex")
        }
    }

    func run() throws {
        let bytes: [UInt8]
        if let hex {
            guard let decoded = HexInput.decode(hex) else {
                throw CommandFailure.badInput("--hex is not hexadecimal text (an even number of 0-9a-f digits)")
            }
            bytes = decoded
        } else if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure.badInput("cannot read \(file)")
            }
            bytes = HexInput.decode(String(decoding: data, as: UTF8.self)) ?? Array(data)
        } else {
            preconditionFailure("validate() ensures one input")
        }
        guard !bytes.isEmpty else { throw CommandFailure.badInput("the input is empty") }
        var report = InspectReport()
        do {
            try WireInspector.inspect(bytes, into: &report)
        } catch {
            print(report.text, terminator: "")
            throw CommandFailure.badInput("\(error)")
        }
        print(report.text, terminator: "")
    }
}

/// Hexadecimal text input.
enum HexInput {
    /// Decodes hex with optional whitespace and an optional `0x` prefix; nil if it is not hex.
    static func decode(_ text: String) -> [UInt8]? {
        var digits = Array(text.utf8.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) })
        if digits.count >= 2, digits[0] == UInt8(ascii: "0"), digits[1] | 0x20 == UInt8(ascii: "x") {
            digits.removeFirst(2)
        }
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x41...0x46: digit - 0x41 + 10
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
