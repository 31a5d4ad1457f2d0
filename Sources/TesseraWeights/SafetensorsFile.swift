// A safetensors file, memory-mapped and validated on open; tensors read out as fp32.
//
// Format and validation: huggingface/safetensors `safetensors/src/tensor.rs` (0.8.0), see
// `SafetensorsHeader`. Data are little-endian; Tessera runs on little-endian machines only.

import Foundation
import TesseraTensor

/// A validated, memory-mapped safetensors file.
///
/// ```swift
/// let file = try SafetensorsFile(url: url)
/// let w = try file.tensor("encoder.layer.0.attention.self.query.weight")  // fp32 Tensor
/// ```
public final class SafetensorsFile: @unchecked Sendable {
    /// Where the file was opened from (a `<buffer>` URL for in-memory data).
    public let url: URL
    /// The validated header.
    public let header: SafetensorsHeader
    private let storage: MappedFile

    // MARK: - Opening

    /// Maps the file at `url` and validates its header; throws `SafetensorsError` naming the file.
    public convenience init(url: URL) throws {
        let mapped = try MappedFile(path: url.path)
        try self.init(storage: mapped, url: url)
    }

    /// Validates a whole safetensors file held in memory (tests, fuzzing); `name` stands for
    /// the path in errors.
    public convenience init(bytes: [UInt8], name: String = "<buffer>") throws {
        let copy = bytes.withUnsafeBytes { MappedFile(copying: $0, path: name) }
        try self.init(storage: copy, url: URL(fileURLWithPath: name))
    }

    private init(storage: MappedFile, url: URL) throws {
        self.storage = storage
        self.url = url
        self.header = try SafetensorsHeader.parse(storage.bytes, path: storage.path)
    }

    // MARK: - Contents

    /// Tensor names in the order of their data in the file.
    public var names: [String] { header.entries.map(\.name) }

    /// All tensors, in data order.
    public var entries: [SafetensorsEntry] { header.entries }

    /// The `__metadata__` strings (empty when the file has none).
    public var metadata: [String: String] { header.metadata }

    /// The description of tensor `name`, or nil.
    public func entry(_ name: String) -> SafetensorsEntry? {
        header.indexByName[name].map { header.entries[$0] }
    }

    /// The file's size in bytes.
    public var byteCount: Int { storage.bytes.count }

    private var path: String { storage.path ?? url.path }

    private func error(_ reason: SafetensorsError.Reason) -> SafetensorsError {
        SafetensorsError(path: path, reason: reason)
    }

    private func requireEntry(_ name: String) throws -> SafetensorsEntry {
        guard let entry = entry(name) else { throw error(.tensorNotFound(name: name)) }
        return entry
    }

    // MARK: - Raw access

    /// The tensor's bytes inside the mapping (little-endian elements). Valid while this
    /// object lives; the start may be unaligned for the element type.
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let entry = try requireEntry(name)
        return rawBytes(of: entry)
    }

    private func rawBytes(of entry: SafetensorsEntry) -> UnsafeRawBufferPointer {
        let start = header.dataStart + entry.dataOffsets.lowerBound
        return UnsafeRawBufferPointer(rebasing: storage.bytes[start..<(start + entry.byteCount)])
    }

    /// Calls `body` with the tensor's elements typed as `T`, which must have the tensor's
    /// element size. Typed access needs `T`'s alignment: an aligned tensor is passed in
    /// place, an unaligned one (a header length that is not a multiple of the alignment)
    /// through an aligned copy.
    public func withElements<T, R>(
        of name: String, as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) throws -> R {
        let entry = try requireEntry(name)
        guard let size = entry.dtype.byteSize, size == MemoryLayout<T>.stride else {
            throw error(.unsupportedConversion(name: name, dtype: entry.dtype, wanted: "\(T.self)"))
        }
        let raw = rawBytes(of: entry)
        let count = entry.elementCount
        if count == 0 { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let address = UInt(bitPattern: raw.baseAddress!)
        if address % UInt(MemoryLayout<T>.alignment) == 0 {
            return try body(raw.bindMemory(to: T.self))
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count, alignment: MemoryLayout<T>.alignment)
        defer { copy.deallocate() }
        copy.copyMemory(from: raw)
        return try body(UnsafeBufferPointer(copy.bindMemory(to: T.self)))
    }

    // MARK: - Typed reads

    /// Tensor `name` as fp32: F32 copied, F16 and BF16 converted exactly, F64 rounded to
    /// nearest. Other dtypes throw `unsupportedConversion` (see `integers(_:)`).
    public func tensor(_ name: String) throws -> Tensor {
        let entry = try requireEntry(name)
        return Tensor(shape: entry.shape, data: try floats(entry))
    }

    /// The elements of tensor `name` as fp32 (see `tensor(_:)`).
    public func floats(_ name: String) throws -> [Float] {
        try floats(requireEntry(name))
    }

    private func floats(_ entry: SafetensorsEntry) throws -> [Float] {
        let count = entry.elementCount
        switch entry.dtype {
        case .f32:
            let raw = rawBytes(of: entry)
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // memcpy has no alignment requirement.
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw) }
                initialized = count
            }
        case .f16, .bf16:
            let isHalf = entry.dtype == .f16
            return try withElements(of: entry.name, as: UInt16.self) { bits in
                [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    if count > 0 {
                        if isHalf {
                            HalfPrecision.convertHalfToFloat(bits.baseAddress!, buffer.baseAddress!, count: count)
                        } else {
                            HalfPrecision.convertBFloat16ToFloat(bits.baseAddress!, buffer.baseAddress!, count: count)
                        }
                    }
                    initialized = count
                }
            }
        case .f64:
            return try withElements(of: entry.name, as: Double.self) { values in values.map { Float($0) } }
        default:
            throw error(.unsupportedConversion(name: entry.name, dtype: entry.dtype, wanted: "fp32 (F32, F16, BF16 or F64)"))
        }
    }

    /// The elements of an integer or BOOL tensor as `Int64` (U64 values above `Int64.max`
    /// throw). Floating-point tensors throw `unsupportedConversion`.
    public func integers(_ name: String) throws -> [Int64] {
        let entry = try requireEntry(name)
        switch entry.dtype {
        case .bool, .u8: return try withElements(of: name, as: UInt8.self) { $0.map { Int64($0) } }
        case .i8: return try withElements(of: name, as: Int8.self) { $0.map { Int64($0) } }
        case .i16: return try withElements(of: name, as: Int16.self) { $0.map { Int64($0) } }
        case .u16: return try withElements(of: name, as: UInt16.self) { $0.map { Int64($0) } }
        case .i32: return try withElements(of: name, as: Int32.self) { $0.map { Int64($0) } }
        case .u32: return try withElements(of: name, as: UInt32.self) { $0.map { Int64($0) } }
        case .i64: return try withElements(of: name, as: Int64.self) { Array($0) }
        case .u64:
            return try withElements(of: name, as: UInt64.self) { values in
                guard let big = values.first(where: { $0 > UInt64(Int64.max) }) else { return values.map { Int64($0) } }
                throw error(.unsupportedConversion(name: name, dtype: .u64, wanted: "Int64 (value \(big) is too large)"))
            }
        default:
            throw error(.unsupportedConversion(name: name, dtype: entry.dtype, wanted: "integers"))
        }
    }
}
