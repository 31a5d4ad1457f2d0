// The check run on each fuzz input; Tests/TesseraWeightsTests/FuzzRegressionTests.swift
// replays saved inputs through the same steps.

import TesseraWeights

/// What the fuzzer asserts about one input.
enum SafetensorsFuzzCheck {
    /// Returns true when the input was accepted as a safetensors file. The input is also
    /// tried as a bare header behind a correct length prefix, so that mutations of the JSON
    /// reach the validator without first having to keep the prefix consistent. Traps on any
    /// broken invariant, so that libFuzzer records the input.
    static func run(_ bytes: UnsafeRawBufferPointer) -> Bool {
        _ = try? StrictJSONParser.parse(bytes)
        var prefixed = [UInt8]()
        prefixed.reserveCapacity(8 + bytes.count)
        var n = UInt64(bytes.count)
        for _ in 0..<8 { prefixed.append(UInt8(n & 0xFF)); n >>= 8 }
        prefixed.append(contentsOf: bytes)
        _ = prefixed.withUnsafeBytes { check($0) }
        return check(bytes)
    }

    private static func check(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(bytes: Array(bytes))
        } catch let error as SafetensorsError {
            precondition(!error.description.contains("\n"), "error message spans lines: \(error)")
            return false
        } catch {
            preconditionFailure("unexpected error type: \(error)")
        }
        // An accepted header tiles the data section exactly.
        var end = 0
        for entry in file.entries {
            precondition(entry.dataOffsets.lowerBound == end, "offsets not contiguous")
            end = entry.dataOffsets.upperBound
            precondition(file.entry(entry.name) == entry, "lookup by name disagrees")
            if entry.dtype.isConvertibleToFloat {
                let t = try! file.tensor(entry.name)
                precondition(t.shape == entry.shape && t.count == entry.elementCount)
            } else if entry.dtype.isInteger, entry.dtype != .u64 {  // U64 above Int64.max throws
                precondition(try! file.integers(entry.name).count == entry.elementCount)
            }
        }
        precondition(file.header.dataStart + end == bytes.count, "data does not fill the file")
        checkRewrite(file)
        return true
    }

    /// Writing an accepted file's tensors and metadata again gives a file that reads back
    /// the same: names, dtypes, shapes, bytes, metadata (the writer's JSON escaping and
    /// ordering against the strict parser).
    private static func checkRewrite(_ file: SafetensorsFile) {
        var writer = SafetensorsWriter(metadata: file.metadata)
        for entry in file.entries {
            try! writer.add(entry.name, dtype: entry.dtype, shape: entry.shape, bytes: Array(try! file.rawBytes(entry.name)))
        }
        let again = try! SafetensorsFile(bytes: writer.serialized())
        precondition(again.metadata == file.metadata, "metadata changed")
        precondition(Set(again.names) == Set(file.names), "names changed")
        for entry in file.entries {
            let copy = again.entry(entry.name)!
            precondition(copy.dtype == entry.dtype && copy.shape == entry.shape, "entry changed")
            precondition(Array(try! again.rawBytes(entry.name)) == Array(try! file.rawBytes(entry.name)), "bytes changed")
        }
    }
}
