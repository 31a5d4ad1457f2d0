// Writes safetensors files: F32, F16 or BF16 tensors (plus raw tensors of any dtype) and
// `__metadata__`, atomically.
//
// Layout as huggingface/safetensors `safetensors/src/tensor.rs` (0.8.0) `prepare` and
// `serialize` write it, so the same tensors give the same bytes as Python's `save_file`
// (with at most one metadata key, since the reference keeps metadata in a hash map):
// tensors ordered by dtype (larger alignment first, the reference's `Dtype` order), then
// by name; compact JSON with `__metadata__` first; header padded with spaces to a multiple
// of 8 so that every tensor starts 8-byte aligned in the file.

import Foundation
import TesseraTensor

#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif

/// Collects tensors and metadata, then writes one safetensors file.
///
/// ```swift
/// var writer = SafetensorsWriter(metadata: ["format": "pt"])
/// try writer.add("proj.weight", weight, as: .bf16)
/// try writer.write(to: url)  // temporary name, then rename
/// ```
public struct SafetensorsWriter {
    /// `__metadata__` strings; written when not empty.
    public var metadata: [String: String]
    private var tensors: [(name: String, dtype: SafetensorsDType, shape: [Int], payload: Payload)] = []
    private var names = Set<String>()

    private enum Payload {
        case floats([Float])
        case raw([UInt8])
    }

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    // MARK: - Adding tensors

    /// Adds `tensor`, stored as `dtype` (F32, F16 or BF16; conversions round to nearest even).
    public mutating func add(_ name: String, _ tensor: Tensor, as dtype: SafetensorsDType = .f32) throws {
        try add(name, shape: tensor.shape, values: tensor.data, as: dtype)
    }

    /// Adds fp32 `values` of the given shape, stored as `dtype` (F32, F16 or BF16).
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: SafetensorsDType = .f32) throws {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw invalid(name, "fp32 values are stored as F32, F16 or BF16, not \(dtype.rawValue)")
        }
        let count = try elementCount(name, shape)
        guard count == values.count else {
            throw invalid(name, "shape \(shape) holds \(count) elements, \(values.count) given")
        }
        try register(name)
        tensors.append((name, dtype, shape, .floats(values)))
    }

    /// Adds a tensor from its little-endian bytes, for any dtype (integer tensors, test files).
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        let count = try elementCount(name, shape)
        let (bits, overflow) = count.multipliedReportingOverflow(by: dtype.bitSize)
        guard !overflow, bits % 8 == 0 else { throw invalid(name, "\(dtype.rawValue) \(shape) is not a whole number of bytes") }
        guard bits / 8 == bytes.count else {
            throw invalid(name, "\(dtype.rawValue) \(shape) needs \(bits / 8) bytes, \(bytes.count) given")
        }
        try register(name)
        tensors.append((name, dtype, shape, .raw(bytes)))
    }

    private mutating func register(_ name: String) throws {
        guard name != "__metadata__" else { throw invalid(name, "the name is reserved for metadata") }
        guard names.insert(name).inserted else { throw invalid(name, "a tensor of that name was already added") }
    }

    private func elementCount(_ name: String, _ shape: [Int]) throws -> Int {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw invalid(name, "negative dimension in shape \(shape)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw invalid(name, "shape \(shape) overflows") }
            count = product
        }
        return count
    }

    private func invalid(_ name: String, _ problem: String) -> SafetensorsError {
        SafetensorsError(path: nil, reason: .invalidTensorToWrite(name: name, problem: problem))
    }

    // MARK: - Serialising

    /// Tensors in the reference's data order: dtype descending (its `Dtype` order), then name.
    private var ordered: [(name: String, dtype: SafetensorsDType, shape: [Int], payload: Payload)] {
        let rank = Dictionary(uniqueKeysWithValues: SafetensorsDType.allCases.enumerated().map { ($1, $0) })
        return tensors.sorted { a, b in
            let ra = rank[a.dtype]!, rb = rank[b.dtype]!
            return ra != rb ? ra > rb : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The header bytes (length prefix, JSON, padding) for tensors in `order`.
    private func headerBytes(_ order: [(name: String, dtype: SafetensorsDType, shape: [Int], payload: Payload)]) -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }
                .map { "\(jsonString($0.key)):\(jsonString($0.value))" }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for t in order {
            let size = byteSize(t)
            if !first { json += "," }
            first = false
            json += "\(jsonString(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        json += "}"
        var body = Array(json.utf8)
        body += [UInt8](repeating: 0x20, count: (8 - body.count % 8) % 8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + body.count)
        var n = UInt64(body.count)
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        return bytes + body
    }

    private func byteSize(_ t: (name: String, dtype: SafetensorsDType, shape: [Int], payload: Payload)) -> Int {
        switch t.payload {
        case let .floats(values): return values.count * t.dtype.byteSize!
        case let .raw(bytes): return bytes.count
        }
    }

    /// The tensor's data bytes, little-endian.
    private func dataBytes(_ t: (name: String, dtype: SafetensorsDType, shape: [Int], payload: Payload)) -> [UInt8] {
        switch t.payload {
        case let .raw(bytes):
            return bytes
        case let .floats(values):
            switch t.dtype {
            case .f16: return HalfPrecision.halfBits(from: values).withUnsafeBytes { Array($0) }
            case .bf16: return HalfPrecision.bfloat16Bits(from: values).withUnsafeBytes { Array($0) }
            default: return values.withUnsafeBytes { Array($0) }
            }
        }
    }

    /// The whole file as bytes.
    public func serialized() -> [UInt8] {
        let order = ordered
        var bytes = headerBytes(order)
        for t in order { bytes += dataBytes(t) }
        return bytes
    }

    /// Writes the file to `url` under a temporary name in the same folder, then renames it;
    /// an interrupted write leaves no file at `url`. An existing file is replaced.
    public func write(to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        func failure(_ what: String) -> SafetensorsError {
            SafetensorsError(path: path, reason: .io("\(what): \(String(cString: strerror(errno)))"))
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var done = false
        defer {
            if !done { close(fd); unlink(temporary) }
        }
        func writeAll(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let n = posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure("cannot write")
                    }
                    written += n
                }
            }
        }
        let order = ordered
        try writeAll(headerBytes(order))
        for t in order { try writeAll(dataBytes(t)) }
        guard fsync(fd) == 0 else { throw failure("cannot flush") }
        guard close(fd) == 0 else { unlink(temporary); done = true; throw failure("cannot close") }
        done = true
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to it")
            unlink(temporary)
            throw error
        }
    }

    // MARK: - JSON strings

    /// A JSON string literal as serde_json writes it: `"`, `\` and control characters escaped,
    /// everything else verbatim.
    private func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
