// Job files: what `tessera batch FILE` reads.
//
//   .txt    one prompt per line; blank lines and lines starting with `#` are ignored
//   .jsonl  one JSON object per line: `prompt` plus any option of `tessera generate`
//           (negative, seed, seeds, steps, guidance, shift, sampler, width, height, frames,
//           fps, format) and an optional `id`; blank lines and `#` lines are ignored
//   .yaml   `defaults:` (options for every job; its `seed` is the base seed) and `jobs:` (a
//   .yml    list of objects as in .jsonl, or plain prompt strings; `seeds: [1, 2]` makes one
//           clip per seed)
//
// Strict: an unknown key, a value of the wrong type, a duplicate id, a file that is not
// UTF-8 or cannot be read is an error naming the file and line, and nothing runs. A value of
// the right type that is out of range (a width that is not a multiple of 16, frames not 4k+1,
// an unknown sampler) fails only its item, with the same file:line message, and the rest run.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraSampling
import Yams

// MARK: - JobFile

public struct JobFile: Sendable {
    public var url: URL
    public var items: [BatchItem]
    /// The base seed items' seeds are derived from (`--seed`, else `defaults: seed:`, else 0).
    public var baseSeed: UInt64

    /// Every option key an item may have.
    public static let itemKeys = ["prompt", "negative", "seed", "seeds", "steps", "guidance", "shift", "sampler",
                                  "width", "height", "frames", "fps", "format", "id"]
    /// Keys `defaults:` may have (no prompt, id or seeds list).
    public static let defaultKeys = ["negative", "seed", "steps", "guidance", "shift", "sampler", "width", "height",
                                     "frames", "fps", "format"]

    /// Reads and checks `url`. `baseSeed` (from `--seed`) overrides the file's. `template`
    /// and `format` give the settings of keys an item and `defaults:` leave out (`tessera
    /// generate --prompt-file` passes its options here); its prompt and seed are ignored.
    public init(url: URL, baseSeed seedOverride: UInt64? = nil, template: GenerationRequest = GenerationRequest(prompt: ""),
                format: VideoFormat = .mp4) throws {
        self.url = url
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw JobError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw JobError.unreadable(path: path, reason: "it is a folder, not a file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JobError.unreadable(path: path, reason: (error as NSError).localizedFailureReason ?? "permission denied or I/O error")
        }
        let text = try Self.decodeUTF8(data, path: path)
        var base = seedOverride
        let entries: [JobEntry]
        switch url.pathExtension.lowercased() {
        case "txt", "prompts", "":
            entries = Self.readText(text)
        case "jsonl", "ndjson":
            entries = try Self.readJSONLines(text, path: path)
        case "yaml", "yml":
            let (defaults, jobs) = try Self.readYAML(text, path: path)
            entries = jobs.map { JobEntry(fields: defaults.filter { $0.key != "seed" } + $0.fields, line: $0.line) }
            if base == nil, let seed = defaults.first(where: { $0.key == "seed" }) {
                base = try Self.seedValue(seed.value, key: "seed", path: path, line: seed.line)
            }
            try Self.checkKeys(defaults, allowed: Self.defaultKeys, path: path, what: "defaults")
        default:
            throw JobError.unreadable(path: path, reason: "unknown job file type .\(url.pathExtension); use .txt, .jsonl or .yaml")
        }
        baseSeed = base ?? 0
        items = try Self.items(from: entries, path: path, baseSeed: base ?? 0, template: template, format: format)
        guard !items.isEmpty else { throw JobError.empty(path: path) }
    }

    // MARK: - Text and encodings

    /// The text of `data`, or the 1-based line of the first byte that is not UTF-8.
    static func decodeUTF8(_ data: Data, path: String) throws -> String {
        if let text = String(data: data, encoding: .utf8) {
            return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        }
        var line = 1
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if String(data: Data(raw), encoding: .utf8) == nil { break }
            line += 1
        }
        throw JobError.notUTF8(path: path, line: line)
    }

    /// Lines split on "\n" (a trailing "\r" removed), numbered from 1.
    static func lines(_ text: String) -> [(number: Int, text: String)] {
        // "\r\n" is one Character in Swift, so both separators are matched.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().map { i, line in
            (i + 1, String(line))
        }
    }

    static func readText(_ text: String) -> [JobEntry] {
        lines(text).compactMap { number, line in
            let prompt = line.trimmingCharacters(in: .whitespaces)
            if prompt.isEmpty || prompt.hasPrefix("#") { return nil }
            return JobEntry(fields: [("prompt", .string(prompt), number)], line: number)
        }
    }

    static func readJSONLines(_ text: String, path: String) throws -> [JobEntry] {
        var entries: [JobEntry] = []
        for (number, line) in lines(text) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard trimmed.hasPrefix("{") else {
                throw JobError.invalid(path: path, line: number, reason: "expected a JSON object like {\"prompt\": \"a red ball\", \"seed\": 1}")
            }
            let object: JSONObjectLine
            do { object = try JSONDecoder().decode(JSONObjectLine.self, from: Data(trimmed.utf8)) } catch {
                throw JobError.invalid(path: path, line: number, reason: "not valid JSON (\(Self.jsonReason(error))); each line must be one complete object")
            }
            entries.append(JobEntry(fields: object.fields.map { ($0.key, $0.value, number) }, line: number))
        }
        return entries
    }

    static func jsonReason(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            return (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
        }
        return "\(error)"
    }

    // MARK: - YAML

    static func readYAML(_ text: String, path: String) throws -> (defaults: [(key: String, value: JobValue, line: Int)], jobs: [JobEntry]) {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw JobError.invalid(path: path, line: Self.yamlLine(error), reason: "not valid YAML: \(Self.yamlReason(error))")
        }
        guard let root else { throw JobError.empty(path: path) }
        guard let mapping = root.mapping else {
            throw JobError.invalid(path: path, line: line(root), reason: "expected a mapping with `defaults:` and `jobs:`")
        }
        var defaults: [(key: String, value: JobValue, line: Int)] = []
        var jobs: [JobEntry] = []
        var sawJobs = false
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "defaults":
                if value.null != nil, value.scalar != nil { continue }
                guard let map = value.mapping else {
                    throw JobError.invalid(path: path, line: line(value), reason: "`defaults` must be a mapping of options, found \(yamlValue(value).typeName)")
                }
                defaults = try fields(map, path: path)
            case "jobs":
                sawJobs = true
                guard let sequence = value.sequence else {
                    throw JobError.invalid(path: path, line: line(value), reason: "`jobs` must be a list (lines starting with `- `), found \(yamlValue(value).typeName)")
                }
                for job in sequence {
                    if let map = job.mapping {
                        jobs.append(JobEntry(fields: try fields(map, path: path), line: line(job)))
                    } else if job.scalar != nil, job.tag.description == Tag.Name.str.rawValue {
                        jobs.append(JobEntry(fields: [("prompt", .string(job.string ?? ""), line(job))], line: line(job)))
                    } else {
                        throw JobError.invalid(path: path, line: line(job), reason: "a job must be a mapping (prompt: ..., seed: ...) or a prompt string, found \(yamlValue(job).typeName)")
                    }
                }
            default:
                throw JobError.invalid(path: path, line: line(keyNode), reason: "unknown key `\(key)` at the top level; expected `defaults` and `jobs`")
            }
        }
        guard sawJobs else { throw JobError.invalid(path: path, line: 1, reason: "no `jobs:` list") }
        return (defaults, jobs)
    }

    static func fields(_ map: Node.Mapping, path: String) throws -> [(key: String, value: JobValue, line: Int)] {
        var out: [(key: String, value: JobValue, line: Int)] = []
        for (keyNode, value) in map {
            guard let key = keyNode.scalar?.string else {
                throw JobError.invalid(path: path, line: line(keyNode), reason: "keys must be plain names")
            }
            if out.contains(where: { $0.key == key }) {
                throw JobError.invalid(path: path, line: line(keyNode), reason: "`\(key)` is given twice")
            }
            out.append((key, yamlValue(value), line(value)))
        }
        return out
    }

    static func yamlValue(_ node: Node) -> JobValue {
        switch node {
        case .mapping: return .map
        case let .sequence(sequence): return .list(sequence.map(yamlValue))
        case .scalar:
            switch Tag.Name(rawValue: node.tag.description) {
            case .null: return .null
            case .bool: return node.bool.map { .bool($0) } ?? .string(node.string ?? "")
            case .int:
                if let i = node.int { return .int(Int64(i)) }
                return .string(node.string ?? "")
            case .float: return node.float.map { .float($0) } ?? .string(node.string ?? "")
            default: return .string(node.string ?? "")
            }
        }
    }

    /// Yams' marks are 1-based.
    static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    static func yamlLine(_ error: YamlError) -> Int {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return 1
        }
    }

    static func yamlReason(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _): return problem
        default: return "\(error)"
        }
    }

    // MARK: - Items

    static func checkKeys(_ fields: [(key: String, value: JobValue, line: Int)], allowed: [String], path: String, what: String) throws {
        for field in fields where !allowed.contains(field.key) {
            let near = allowed.min { editDistance($0, field.key) < editDistance($1, field.key) }
            let hint = near.map { editDistance($0, field.key) <= 3 ? " (did you mean `\($0)`?)" : "" } ?? ""
            throw JobError.invalid(path: path, line: field.line,
                                   reason: "unknown key `\(field.key)` in \(what)\(hint); allowed: \(allowed.joined(separator: ", "))")
        }
    }

    static func items(from entries: [JobEntry], path: String, baseSeed: UInt64, template: GenerationRequest,
                      format defaultFormat: VideoFormat) throws -> [BatchItem] {
        var items: [BatchItem] = []
        var ids: [String: Int] = [:]
        for entry in entries {
            // Job fields override defaults (which come first).
            var fields: [String: (value: JobValue, line: Int)] = [:]
            var own: [(key: String, value: JobValue, line: Int)] = []
            for field in entry.fields { fields[field.key] = (field.value, field.line); own.append(field) }
            try checkKeys(own, allowed: itemKeys, path: path, what: "a job")
            func string(_ key: String) throws -> (String, Int)? {
                guard let f = fields[key] else { return nil }
                guard case let .string(s) = f.value else {
                    throw JobError.invalid(path: path, line: f.line, reason: "`\(key)` must be a string, found \(f.value.typeName)")
                }
                return (s, f.line)
            }
            func int(_ key: String) throws -> Int? {
                guard let f = fields[key] else { return nil }
                guard case let .int(i) = f.value, let v = Int(exactly: i) else {
                    throw JobError.invalid(path: path, line: f.line, reason: "`\(key)` must be an integer, found \(f.value.typeName)")
                }
                return v
            }
            func number(_ key: String) throws -> Double? {
                guard let f = fields[key] else { return nil }
                switch f.value {
                case let .int(i): return Double(i)
                case let .float(d): return d
                default: throw JobError.invalid(path: path, line: f.line, reason: "`\(key)` must be a number, found \(f.value.typeName)")
                }
            }
            guard let (prompt, promptLine) = try string("prompt") else {
                throw JobError.invalid(path: path, line: entry.line, reason: "the job has no `prompt`")
            }
            guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw JobError.invalid(path: path, line: promptLine, reason: "`prompt` is empty")
            }
            let id = try string("id")
            if let (id, line) = id {
                guard !id.isEmpty else { throw JobError.invalid(path: path, line: line, reason: "`id` is empty") }
                if let first = ids[id] {
                    throw JobError.invalid(path: path, line: line, reason: "duplicate id `\(id)` (first used on line \(first)); ids must be unique")
                }
                ids[id] = line
            }
            var seeds: [UInt64?] = [nil]
            if let f = fields["seed"] { seeds = [try seedValue(f.value, key: "seed", path: path, line: f.line)] }
            if let f = fields["seeds"] {
                guard fields["seed"] == nil else {
                    throw JobError.invalid(path: path, line: f.line, reason: "give `seed` or `seeds`, not both")
                }
                guard case let .list(values) = f.value, !values.isEmpty else {
                    throw JobError.invalid(path: path, line: f.line, reason: "`seeds` must be a non-empty list of integers, found \(f.value.typeName)")
                }
                seeds = try values.map { try seedValue($0, key: "seeds", path: path, line: f.line) }
                if Set(seeds.compactMap { $0 }).count != seeds.count {
                    throw JobError.invalid(path: path, line: f.line, reason: "`seeds` lists a seed twice")
                }
            }
            var request = template
            request.prompt = prompt
            var problems: [String] = []
            request.negativePrompt = try string("negative")?.0 ?? template.negativePrompt
            request.steps = try int("steps") ?? request.steps
            request.guidance = try number("guidance") ?? request.guidance
            request.shift = try number("shift") ?? template.shift
            request.width = try int("width") ?? request.width
            request.height = try int("height") ?? request.height
            request.frames = try int("frames") ?? request.frames
            request.fps = try int("fps") ?? request.fps
            if let (name, line) = try string("sampler") {
                do { request.sampler = try Sampler(name: name) } catch {
                    problems.append("\(path):\(line): \(error)")
                }
            }
            var format = defaultFormat
            if let (name, line) = try string("format") {
                if let f = VideoFormat(rawValue: name.lowercased()) { format = f } else {
                    problems.append("\(path):\(line): unknown format `\(name)`; use \(VideoFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            do { try request.validate() } catch {
                // Point at the line of the offending key when there is one.
                var line = entry.line
                if case let PipelineError.invalidSetting(name, _) = error, let f = fields[name] { line = f.line }
                problems.append("\(path):\(line): \(error)")
            }
            for seed in seeds {
                let index = items.count
                var r = request
                r.seed = seed ?? SeedDerivation.seed(base: baseSeed, identity: SeedDerivation.identity(id: id?.0, index: index))
                items.append(BatchItem(index: index, id: id?.0, path: path, line: entry.line, request: r, format: format,
                                       seedDerived: seed == nil, problem: problems.first))
            }
        }
        return items
    }

    static func seedValue(_ value: JobValue, key: String, path: String, line: Int) throws -> UInt64 {
        guard case let .int(i) = value, i >= 0 else {
            throw JobError.invalid(path: path, line: line, reason: "`\(key)` must be a non-negative integer, found \(value.typeName == "an integer" ? "a negative one" : value.typeName)")
        }
        return UInt64(i)
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
