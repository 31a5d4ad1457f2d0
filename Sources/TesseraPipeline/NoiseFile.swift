// `--noise FILE.safetensors`: initial latents given instead of the seeded noise (parity runs,
// debugging, reproducing another tool's sample).

import Foundation
import TesseraTensor
import TesseraWeights

// MARK: - NoiseFile

public enum NoiseFile {
    /// Tensor names tried, in order, when the file holds more than one tensor.
    public static let names = ["noise", "latents"]

    /// Reads the initial latents from `url`: the tensor named `noise` or `latents`, or the only
    /// tensor in the file; any float dtype; its shape must be `shape` (a leading batch of 1 may
    /// be omitted).
    public static func load(_ url: URL, shape: [Int]) throws -> Tensor {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(url: url) } catch {
            throw PipelineError.invalidNoise(path: url.path, reason: "\(error)")
        }
        let name: String
        if let named = names.first(where: { file.entry($0) != nil }) {
            name = named
        } else if file.names.count == 1 {
            name = file.names[0]
        } else {
            throw PipelineError.invalidNoise(
                path: url.path, reason: "holds \(file.names.count) tensors (\(file.names.sorted().joined(separator: ", "))); name the latents 'noise'")
        }
        let entry = file.entry(name)!
        guard entry.shape == shape || [1] + entry.shape == shape else {
            throw PipelineError.invalidNoise(
                path: url.path, reason: "tensor '\(name)' has shape \(entry.shape), expected \(shape) (1, z_dim, (frames-1)/4+1, height/8, width/8)")
        }
        guard entry.dtype.isConvertibleToFloat else {
            throw PipelineError.invalidNoise(path: url.path, reason: "tensor '\(name)' is \(entry.dtype.rawValue); expected F32, F16 or BF16")
        }
        let values: [Float]
        do { values = try file.floats(name) } catch {
            throw PipelineError.invalidNoise(path: url.path, reason: "\(error)")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw PipelineError.invalidNoise(path: url.path, reason: "tensor '\(name)' holds NaN or infinite values")
        }
        return Tensor(shape: shape, data: values)
    }
}
