// Everything that can be wrong with a safetensors file, as one line that names the file.
//
// The reasons follow `SafeTensorError` in huggingface/safetensors `safetensors/src/tensor.rs`
// (0.8.0), with the tensor, the expected and the found values spelled out.

/// A safetensors file that cannot be read or written; `description` is one line naming the
/// file, what is wrong, and, where it helps, what to do.
public struct SafetensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Why the file was rejected.
    public enum Reason: Equatable, Sendable {
        /// Fewer than the 8 bytes of the header length (`HeaderTooSmall`).
        case fileTooSmall(size: Int)
        /// Declared header length above the 100 MB cap (`HeaderTooLarge`).
        case headerTooLarge(length: UInt64)
        /// Declared header length runs past the end of the file (`InvalidHeaderLength`).
        case headerOutsideFile(length: UInt64, fileSize: Int)
        /// The header is not UTF-8 (`InvalidHeader`); offset counted from the file start.
        case headerNotUTF8(offset: Int)
        /// The header is not strict JSON (`InvalidHeaderDeserialization`); offset from the file start.
        case headerNotJSON(offset: Int, message: String)
        /// The header is valid JSON but not an object.
        case headerNotObject(found: String)
        /// Two tensors with the same name.
        case duplicateTensor(name: String)
        /// `__metadata__` is not an object of string values.
        case invalidMetadata(String)
        /// A tensor's description is malformed (not an object, missing or unknown field, bad shape).
        case invalidEntry(name: String, problem: String)
        /// A dtype outside the closed set.
        case unknownDType(name: String, dtype: String)
        /// Offsets not contiguous from 0 once sorted: a hole, an overlap, or end < begin (`InvalidOffset`).
        case invalidOffsets(name: String, expectedBegin: Int, begin: Int, end: Int)
        /// Element count or byte length overflows (`ValidationOverflow`).
        case sizeOverflow(name: String)
        /// A sub-byte tensor whose bits are not a whole number of bytes (`MisalignedSlice`).
        case partialByte(name: String, bits: Int)
        /// `end - begin` differs from product(shape) × dtype size (`TensorInvalidInfo`).
        case byteLengthMismatch(name: String, dtype: SafetensorsDType, shape: [Int], expected: Int, found: Int)
        /// The tensors do not end exactly at the end of the file (`MetadataIncompleteBuffer`).
        /// Both counted within the data section, which starts after the header.
        case dataDoesNotFillFile(dataEnd: Int, dataSize: Int)
        /// Opening, mapping, writing or renaming failed.
        case io(String)
        /// No tensor of that name (`TensorNotFound`).
        case tensorNotFound(name: String)
        /// The tensor's dtype cannot be read as the requested element type.
        case unsupportedConversion(name: String, dtype: SafetensorsDType, wanted: String)
        /// The writer was given a tensor it cannot store.
        case invalidTensorToWrite(name: String, problem: String)
    }

    /// The file concerned; nil for a buffer that did not come from a file.
    public var path: String?
    public var reason: Reason

    public init(path: String?, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        // Names and keys come from the file: keep the message on one line whatever they hold.
        "SafetensorsError: \(path ?? "<buffer>"): \(explanation)".escapingControlCharacters
    }

    /// The reason in words, without the file name.
    public var explanation: String {
        switch reason {
        case let .fileTooSmall(size):
            return "file is \(size) bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file"
        case let .headerTooLarge(length):
            return "header length \(length) exceeds the 100000000-byte limit; the file is corrupt or not a safetensors file"
        case let .headerOutsideFile(length, fileSize):
            return "header length \(length) runs past the end of the \(fileSize)-byte file; the file is truncated or not a safetensors file"
        case let .headerNotUTF8(offset):
            return "header is not valid UTF-8 (byte \(offset)); the file is corrupt"
        case let .headerNotJSON(offset, message):
            return "header is not valid JSON at byte \(offset): \(message)"
        case let .headerNotObject(found):
            return "header is a JSON \(found), expected an object of tensors"
        case let .duplicateTensor(name):
            return "tensor \(quoted(name)) is listed twice in the header"
        case let .invalidMetadata(problem):
            return "__metadata__ \(problem); it must be an object of string values"
        case let .invalidEntry(name, problem):
            return "tensor \(quoted(name)): \(problem)"
        case let .unknownDType(name, dtype):
            return "tensor \(quoted(name)) has unknown dtype \(quoted(dtype)); known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: " "))"
        case let .invalidOffsets(name, expectedBegin, begin, end):
            let what = end < begin ? "ends before it begins" : begin > expectedBegin ? "leaves a hole before it" : "overlaps the previous tensor"
            return "tensor \(quoted(name)) has data_offsets [\(begin), \(end)], expected to begin at \(expectedBegin): it \(what)"
        case let .sizeOverflow(name):
            return "tensor \(quoted(name)): product of shape and dtype size overflows"
        case let .partialByte(name, bits):
            return "tensor \(quoted(name)) holds \(bits) bits, not a whole number of bytes"
        case let .byteLengthMismatch(name, dtype, shape, expected, found):
            return "tensor \(quoted(name)) (\(dtype.rawValue) \(shape)) needs \(expected) bytes, its data_offsets span \(found)"
        case let .dataDoesNotFillFile(dataEnd, dataSize):
            let what = dataEnd > dataSize ? "the file is truncated" : "the file has trailing bytes"
            return "tensor data ends at byte \(dataEnd) of the data section, which holds \(dataSize) bytes: \(what)"
        case let .io(message):
            return message
        case let .tensorNotFound(name):
            return "no tensor named \(quoted(name))"
        case let .unsupportedConversion(name, dtype, wanted):
            return "tensor \(quoted(name)) is \(dtype.rawValue), which cannot be read as \(wanted)"
        case let .invalidTensorToWrite(name, problem):
            return "cannot write tensor \(quoted(name)): \(problem)"
        }
    }

    private func quoted(_ s: String) -> String {
        let shown = s.count > 120 ? String(s.prefix(120)) + "…" : s
        // Keep the message on one line whatever the name holds.
        let escaped = shown.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            case "\"": return "\\\""
            default: return scalar.value < 0x20 ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }.joined()
        return "\"\(escaped)\""
    }
}
