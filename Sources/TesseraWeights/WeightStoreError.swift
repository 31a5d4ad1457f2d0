// Everything wrong between a model and its checkpoint, gathered into one error.

/// The mismatches found while a model took its tensors from a `WeightStore`, or a sharded
/// checkpoint whose index disagrees with its shards. `description` is one line that names
/// the checkpoint and lists the problems (the first few of each kind); `report` lists all.
public struct WeightStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// One mismatch. `file` is the safetensors file (its last path component) holding the tensor.
    public enum Problem: Equatable, Sendable {
        /// The model asked for a key the checkpoint lacks.
        case missing(key: String, expectedShape: [Int]?)
        /// The checkpoint holds a tensor the model never took nor ignored.
        case unexpected(key: String, dtype: SafetensorsDType, shape: [Int], file: String)
        /// Present, but of another shape.
        case wrongShape(key: String, expected: [Int], found: [Int], file: String)
        /// Present, but not a floating-point type the model can load (e.g. I64 where weights are expected).
        case wrongDType(key: String, dtype: SafetensorsDType, file: String)
        /// The same key in two files of one checkpoint.
        case duplicateKey(key: String, files: [String])
        /// A shard index that does not match its shards, or cannot be read.
        case invalidIndex(String)
        /// `take` after `finish()`.
        case takenAfterFinish(key: String)
    }

    /// The checkpoint: a safetensors file, a shard index, or a list of files.
    public var source: String
    public var problems: [Problem]

    public init(source: String, problems: [Problem]) {
        self.source = source
        self.problems = problems
    }

    // MARK: - Grouping

    public var missing: [Problem] { problems.filter { if case .missing = $0 { return true } else { return false } } }
    public var unexpected: [Problem] { problems.filter { if case .unexpected = $0 { return true } else { return false } } }
    public var wrongShape: [Problem] { problems.filter { if case .wrongShape = $0 { return true } else { return false } } }
    public var wrongDType: [Problem] { problems.filter { if case .wrongDType = $0 { return true } else { return false } } }

    // MARK: - Text

    /// How many problems of each kind the one-line description spells out.
    public static let shownPerKind = 8

    public var description: String {
        var groups: [(String, [Problem])] = []
        var seen: [String: Int] = [:]
        for problem in problems {
            let kind = Self.kind(problem)
            if let i = seen[kind] { groups[i].1.append(problem) } else {
                seen[kind] = groups.count
                groups.append((kind, [problem]))
            }
        }
        let parts = groups.map { kind, list -> String in
            let shown = list.prefix(Self.shownPerKind).map(Self.text).joined(separator: ", ")
            let more = list.count > Self.shownPerKind ? ", … and \(list.count - Self.shownPerKind) more" : ""
            return "\(list.count) \(kind): \(shown)\(more)"
        }
        let line = "WeightStoreError: \(source): checkpoint does not match the model (\(parts.joined(separator: "; "))); check that config.json and the weights belong together"
        return line.escapingControlCharacters
    }

    /// Every problem, one per line.
    public var report: String {
        (["WeightStoreError: \(source): \(problems.count) problem(s)"] + problems.map { "  \(Self.kind($0)): \(Self.text($0))" })
            .map(\.escapingControlCharacters)
            .joined(separator: "\n")
    }

    private static func kind(_ problem: Problem) -> String {
        switch problem {
        case .missing: return "missing"
        case .unexpected: return "unexpected"
        case .wrongShape: return "wrong shape"
        case .wrongDType: return "wrong dtype"
        case .duplicateKey: return "duplicate"
        case .invalidIndex: return "invalid index"
        case .takenAfterFinish: return "taken after finish()"
        }
    }

    private static func text(_ problem: Problem) -> String {
        switch problem {
        case let .missing(key, shape):
            return shape.map { "\(key) \($0)" } ?? key
        case let .unexpected(key, dtype, shape, file):
            return "\(key) (\(dtype.rawValue) \(shape) in \(file))"
        case let .wrongShape(key, expected, found, file):
            return "\(key) expected \(expected), found \(found) in \(file)"
        case let .wrongDType(key, dtype, file):
            return "\(key) is \(dtype.rawValue) in \(file), expected F32, F16, BF16 or F64"
        case let .duplicateKey(key, files):
            return "\(key) in \(files.joined(separator: " and "))"
        case let .invalidIndex(message):
            return message
        case let .takenAfterFinish(key):
            return key
        }
    }
}
