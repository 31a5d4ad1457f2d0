// A value read from a job file, with the line it came from, before it is checked against the
// option it sets. The three formats (.txt, .jsonl, YAML) all read into these.

import Foundation

// MARK: - JobValue

/// A scalar or list from a job file.
public enum JobValue: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case null
    case list([JobValue])
    case map

    /// "a string", "an integer", … for error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .int: return "an integer"
        case .float: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .list: return "a list"
        case .map: return "an object"
        }
    }
}

// MARK: - JobEntry

/// One item as written in the file: its keys in file order, each with its line.
public struct JobEntry: Sendable {
    public var fields: [(key: String, value: JobValue, line: Int)]
    /// The line the entry starts on.
    public var line: Int

    public init(fields: [(key: String, value: JobValue, line: Int)], line: Int) {
        self.fields = fields
        self.line = line
    }
}

// MARK: - JSON decoding

/// A JSON value that keeps the distinction between booleans, integers and other numbers
/// (JSONSerialization's NSNumber does not).
struct JSONValue: Decodable {
    var value: JobValue

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let b = try? container.decode(Bool.self) {
            value = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            value = .int(i)
        } else if let d = try? container.decode(Double.self) {
            value = .float(d)
        } else if let s = try? container.decode(String.self) {
            value = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            value = .list(a.map(\.value))
        } else {
            _ = try container.decode([String: JSONValue].self)
            value = .map
        }
    }
}

/// A JSON object's keys in file order (JSONDecoder's dictionaries have none).
struct JSONObjectLine: Decodable {
    var fields: [(key: String, value: JobValue)] = []

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            fields.append((key.stringValue, try container.decode(JSONValue.self, forKey: key).value))
        }
    }
}
