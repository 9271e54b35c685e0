#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension BGBRequest {
    /// Reads a Request written exactly as an MP writes it, without building an XML tree: the
    /// generator decodes one per push, and the general reader's tree, names and text copies are
    /// most of that cost.
    ///
    /// Accepted: `<BgbRequestMessage TimeStamp="…">` followed by `<Name>text</Name>` children
    /// (PushID, TaskID, TaskGuid, TaskType, each once; TaskParam at most once; any order), then
    /// `</BgbRequestMessage>` and nothing else; text of printable ASCII without `<`, `>`, `&` or
    /// `"`; integers as an optional `-` and digits. Anything else (whitespace between elements, an
    /// entity, another attribute or child, an empty element tag, a value that does not parse)
    /// returns nil and the general reader decodes the payload, or says precisely what is wrong.
    /// Whatever this accepts, the general reader decodes to the same value (tested).
    init?(canonical bytes: UnsafeRawBufferPointer) {
        var cursor = CanonicalCursor(bytes: bytes)
        guard cursor.consume("<BgbRequestMessage TimeStamp=\""),
            let stampBytes = cursor.text(until: UInt8(ascii: "\"")),
            case .success(let timeStamp) = BGBTimeStamp.parse(stampBytes),
            cursor.consume("\">")
        else { return nil }
        var pushID: Int32?
        var taskID: Int32?
        var taskGuid: String?
        var taskType: Int32?
        var taskParam: String?
        while !cursor.consume("</BgbRequestMessage>") {
            guard cursor.consume("<"), let name = cursor.text(until: UInt8(ascii: ">")), cursor.consume(">"),
                let value = cursor.text(until: UInt8(ascii: "<")), cursor.consume("</"), cursor.consume(name),
                cursor.consume(">")
            else { return nil }
            switch Child(name) {
            case .pushID:
                guard pushID == nil, let number = Self.int32(value) else { return nil }
                pushID = number
            case .taskID:
                guard taskID == nil, let number = Self.int32(value) else { return nil }
                taskID = number
            case .taskType:
                guard taskType == nil, let number = Self.int32(value) else { return nil }
                taskType = number
            case .taskGuid:
                guard taskGuid == nil else { return nil }
                taskGuid = String(decoding: value, as: UTF8.self)
            case .taskParam:
                guard taskParam == nil else { return nil }
                taskParam = String(decoding: value, as: UTF8.self)
            case nil:
                return nil
            }
        }
        guard cursor.isAtEnd, let pushID, let taskID, let taskGuid, let taskType else { return nil }
        self.init(
            timeStamp: timeStamp,
            pushID: pushID,
            taskID: taskID,
            taskGuid: taskGuid,
            taskType: TaskType(rawValue: taskType),
            taskParam: taskParam
        )
    }

    private enum Child {
        case pushID, taskID, taskGuid, taskType, taskParam

        init?(_ name: UnsafeRawBufferPointer) {
            func equals(_ literal: StaticString) -> Bool {
                literal.utf8CodeUnitCount == name.count
                    && memcmp(literal.utf8Start, name.baseAddress!, name.count) == 0
            }
            if equals("PushID") {
                self = .pushID
            } else if equals("TaskID") {
                self = .taskID
            } else if equals("TaskGuid") {
                self = .taskGuid
            } else if equals("TaskType") {
                self = .taskType
            } else if equals("TaskParam") {
                self = .taskParam
            } else {
                return nil
            }
        }
    }

    /// An optional `-` and 1…10 digits that fit an Int32; nil otherwise.
    private static func int32(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard bytes.count > index, bytes.count - index <= 10 else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
            index += 1
        }
        return Int32(exactly: negative ? -value : value)
    }
}

/// Byte-exact matching over a payload, for ``BGBRequest/init(canonical:)``.
private struct CanonicalCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    /// Consumes `literal` if the bytes at the position are exactly it.
    mutating func consume(_ literal: StaticString) -> Bool {
        consume(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Consumes `expected` if the bytes at the position are exactly it.
    mutating func consume(_ expected: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count - position >= expected.count,
            expected.isEmpty || memcmp(bytes.baseAddress! + position, expected.baseAddress!, expected.count) == 0
        else { return false }
        position += expected.count
        return true
    }

    /// The bytes up to (not including) `terminator`, which stays unread; nil if a byte on the way
    /// is not printable ASCII or is markup (`<`, `>`, `&`, `"`), or if the payload ends first.
    mutating func text(until terminator: UInt8) -> UnsafeRawBufferPointer? {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == terminator {
                return UnsafeRawBufferPointer(rebasing: bytes[start..<position])
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "<"), byte != UInt8(ascii: ">"),
                byte != UInt8(ascii: "&"), byte != UInt8(ascii: "\"")
            else { return nil }
            position += 1
        }
        return nil
    }
}
