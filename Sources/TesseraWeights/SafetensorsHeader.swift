// The header of a safetensors file, parsed and validated.
//
// Ports `read_metadata`, `TryFrom<HashMetadata> for Metadata` and `Metadata::validate` from
// huggingface/safetensors `safetensors/src/tensor.rs` (0.8.0):
//   [u64 little-endian n][n bytes of UTF-8 JSON header][data section]
// - n ≤ 100_000_000 and 8 + n ≤ file size;
// - the header is a JSON object: tensor name -> {dtype, shape, data_offsets}, plus an optional
//   `__metadata__` object of strings;
// - tensors sorted by data_offsets must tile the data section from 0 with no hole and no
//   overlap; each one's byte length equals product(shape) × dtype size, computed with
//   overflow checks; the last one ends exactly at the end of the file.
// Stricter than the reference, on purpose: duplicate keys anywhere in the header are
// rejected (serde_json keeps the last one) and a tensor entry may not carry unknown fields.

/// A validated safetensors header: the tensors in data order and the free-form metadata.
public struct SafetensorsHeader: Equatable, Sendable {
    /// Largest header accepted, as `MAX_HEADER_SIZE` in the reference.
    public static let maxHeaderLength = 100_000_000

    /// The header length n read from the first 8 bytes.
    public var headerLength: Int
    /// Tensors sorted by their data offsets.
    public var entries: [SafetensorsEntry]
    /// `__metadata__`, empty when absent.
    public var metadata: [String: String]
    /// Position of each tensor in `entries`, by name.
    public var indexByName: [String: Int]

    /// Offset of the data section from the start of the file (8 + n).
    public var dataStart: Int { 8 + headerLength }

    // MARK: - Parsing

    /// Parses and validates the header of a whole safetensors file held in `file`.
    /// Errors carry `path`, which callers give to name the file.
    public static func parse(_ file: UnsafeRawBufferPointer, path: String? = nil) throws -> SafetensorsHeader {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError {
            SafetensorsError(path: path, reason: reason)
        }
        let fileSize = file.count
        guard fileSize >= 8 else { throw fail(.fileTooSmall(size: fileSize)) }
        var n64: UInt64 = 0
        for k in 0..<8 { n64 |= UInt64(file[k]) << (8 * UInt64(k)) }
        guard n64 <= UInt64(maxHeaderLength) else { throw fail(.headerTooLarge(length: n64)) }
        let n = Int(n64)
        guard 8 + n <= fileSize else { throw fail(.headerOutsideFile(length: n64, fileSize: fileSize)) }

        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + n)])
        if let bad = StrictJSONParser.firstInvalidUTF8Offset(headerBytes) {
            throw fail(.headerNotUTF8(offset: 8 + bad))
        }
        let json: JSONValue
        do {
            json = try StrictJSONParser.parse(headerBytes)
        } catch let error as JSONSyntaxError {
            if let key = error.duplicateKey, error.depth == 1 {
                throw fail(.duplicateTensor(name: key))
            }
            throw fail(.headerNotJSON(offset: 8 + error.offset, message: error.message))
        }
        guard case let .object(members) = json else { throw fail(.headerNotObject(found: json.kindName)) }

        var metadata: [String: String] = [:]
        var entries: [SafetensorsEntry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try parseMetadata(value, fail: fail)
            } else {
                entries.append(try parseEntry(name: name, value, fail: fail))
            }
        }

        // Sort by (begin, end) as the reference does; names break ties between empty tensors.
        entries.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        let dataEnd = try validate(entries, fail: fail)
        guard dataEnd == fileSize - 8 - n else {
            throw fail(.dataDoesNotFillFile(dataEnd: dataEnd, dataSize: fileSize - 8 - n))
        }
        var indexByName: [String: Int] = [:]
        indexByName.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() { indexByName[entry.name] = i }
        return SafetensorsHeader(headerLength: n, entries: entries, metadata: metadata, indexByName: indexByName)
    }

    // MARK: - Pieces

    private static func parseMetadata(
        _ value: JSONValue, fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws -> [String: String] {
        switch value {
        case .null:
            return [:]  // serde's Option accepts null as absent.
        case let .object(pairs):
            var result: [String: String] = [:]
            for (key, v) in pairs {
                guard let s = v.stringValue else {
                    throw fail(.invalidMetadata("value of \"\(key)\" is a \(v.kindName)"))
                }
                result[key] = s
            }
            return result
        default:
            throw fail(.invalidMetadata("is a \(value.kindName)"))
        }
    }

    /// Reads `{"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}`; offsets raw,
    /// not yet checked against the other tensors.
    private static func parseEntry(
        name: String, _ value: JSONValue, fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws -> SafetensorsEntry {
        guard case let .object(fields) = value else {
            throw fail(.invalidEntry(name: name, problem: "is a \(value.kindName), expected an object with dtype, shape and data_offsets"))
        }
        var dtype: SafetensorsDType?
        var shape: [Int]?
        var offsets: (Int, Int)?
        for (key, field) in fields {
            switch key {
            case "dtype":
                guard let s = field.stringValue else {
                    throw fail(.invalidEntry(name: name, problem: "dtype is a \(field.kindName), expected a string"))
                }
                guard let d = SafetensorsDType(rawValue: s) else { throw fail(.unknownDType(name: name, dtype: s)) }
                dtype = d
            case "shape":
                guard case let .array(dims) = field else {
                    throw fail(.invalidEntry(name: name, problem: "shape is a \(field.kindName), expected an array of non-negative integers"))
                }
                var parsed: [Int] = []
                parsed.reserveCapacity(dims.count)
                for dim in dims {
                    guard let d = dim.nonNegativeInt else {
                        throw fail(.invalidEntry(name: name, problem: "shape has \(describe(dim)), expected non-negative integers"))
                    }
                    parsed.append(d)
                }
                shape = parsed
            case "data_offsets":
                guard case let .array(pair) = field, pair.count == 2 else {
                    throw fail(.invalidEntry(name: name, problem: "data_offsets must be an array of two integers [begin, end]"))
                }
                guard let begin = pair[0].nonNegativeInt, let end = pair[1].nonNegativeInt else {
                    throw fail(.invalidEntry(name: name, problem: "data_offsets has \(describe(pair[0].nonNegativeInt == nil ? pair[0] : pair[1])), expected non-negative integers"))
                }
                offsets = (begin, end)
            default:
                throw fail(.invalidEntry(name: name, problem: "unknown field \"\(key)\" (a tensor has only dtype, shape and data_offsets)"))
            }
        }
        guard let dtype else { throw fail(.invalidEntry(name: name, problem: "missing field dtype")) }
        guard let shape else { throw fail(.invalidEntry(name: name, problem: "missing field shape")) }
        guard let (begin, end) = offsets else { throw fail(.invalidEntry(name: name, problem: "missing field data_offsets")) }
        guard end >= begin else {
            throw fail(.invalidOffsets(name: name, expectedBegin: begin, begin: begin, end: end))
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// `Metadata::validate`: contiguous offsets from 0 and exact byte lengths; returns the end
    /// of the last tensor.
    private static func validate(
        _ entries: [SafetensorsEntry], fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws -> Int {
        var start = 0
        for entry in entries {
            let begin = entry.dataOffsets.lowerBound, end = entry.dataOffsets.upperBound
            guard begin == start else {
                throw fail(.invalidOffsets(name: entry.name, expectedBegin: start, begin: begin, end: end))
            }
            start = end
            var elements = 1
            for dim in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                if overflow { throw fail(.sizeOverflow(name: entry.name)) }
                elements = product
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: entry.dtype.bitSize)
            if overflow { throw fail(.sizeOverflow(name: entry.name)) }
            guard bits % 8 == 0 else { throw fail(.partialByte(name: entry.name, bits: bits)) }
            guard end - begin == bits / 8 else {
                throw fail(.byteLengthMismatch(name: entry.name, dtype: entry.dtype, shape: entry.shape, expected: bits / 8, found: end - begin))
            }
        }
        return start
    }

    private static func describe(_ value: JSONValue) -> String {
        if case let .number(lexeme) = value {
            let shown = lexeme.count > 40 ? String(lexeme.prefix(40)) + "…" : lexeme
            return "the number \(shown)"
        }
        return "a \(value.kindName)"
    }
}
