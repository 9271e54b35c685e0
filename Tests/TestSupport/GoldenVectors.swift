import Foundation

/// The golden vectors in `Tests/Vectors` (Microsoft client SDK bytes and accepted server answers;
/// `Tests/Vectors/README.md` says where they come from).
public struct GoldenVector: Sendable {
    public var name: String
    public var direction: String
    public var transport: String
    public var bytes: [UInt8]
    let decodedBox: UncheckedSendable<[String: Any]>

    /// The `decoded` object of `vectors.json`, as plain JSON values.
    public var decoded: [String: Any] { decodedBox.value }

    /// A decoded value by key path, e.g. `decoded("frame", "payload_size")`.
    public func value(_ path: String...) -> Any? {
        var current: Any? = decoded
        for key in path {
            current = (current as? [String: Any])?[key]
        }
        return current
    }

    public func string(_ path: String...) -> String? {
        var current: Any? = decoded
        for key in path { current = (current as? [String: Any])?[key] }
        return current as? String
    }

    public func int(_ path: String...) -> Int? {
        var current: Any? = decoded
        for key in path { current = (current as? [String: Any])?[key] }
        return (current as? NSNumber)?.intValue
    }

    /// Ordered HTTP headers of the vector.
    public var httpHeaders: [(String, String)] {
        let headers = ((decoded["http"] as? [String: Any])?["headers"] as? [[String]]) ?? []
        return headers.map { ($0[0], $0[1]) }
    }
}

public enum GoldenVectors {
    /// `<package root>/Tests/Vectors`: inside the repository, so a bare clone's tests find them.
    public static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // GoldenVectors.swift
        url.deleteLastPathComponent()  // TestSupport
        return url.appendingPathComponent("Vectors")
    }()

    /// Every vector in `vectors.json`; fails loudly when the directory is missing.
    public static let all: [GoldenVector] = {
        let url = directory.appendingPathComponent("vectors.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let vectors = root["vectors"] as? [[String: Any]]
        else {
            fatalError("golden vectors not found at \(url.path): Tests/Vectors is part of the repository")
        }
        return vectors.map { entry in
            GoldenVector(
                name: entry["name"] as! String,
                direction: entry["direction"] as! String,
                transport: entry["transport"] as! String,
                bytes: hexBytes(entry["hex"] as! String),
                decodedBox: UncheckedSendable(entry["decoded"] as! [String: Any])
            )
        }
    }()

    public static func named(_ name: String) -> GoldenVector {
        guard let vector = all.first(where: { $0.name == name }) else { fatalError("no golden vector \(name)") }
        return vector
    }

    /// The `.hex` file of a vector.
    public static func hexFile(_ name: String) -> URL {
        directory.appendingPathComponent(name + ".hex")
    }

    public static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            bytes.append(UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16)!)
            index += 2
        }
        return bytes
    }
}

/// Wraps an immutable value that is not declared Sendable.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
