// A fully connected layer holding PyTorch `nn.Linear` weights (`<name>.weight`, `<name>.bias`).

import TesseraTensor

/// y = x · Wᵀ + b with W stored (out, in) as in the checkpoint.
struct LinearProjection: Sendable {
    /// (out, in)
    let weight: Tensor
    /// (out)
    let bias: Tensor

    var inFeatures: Int { weight.shape[1] }
    var outFeatures: Int { weight.shape[0] }

    init(weight: Tensor, bias: Tensor) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[0]],
                     "linear weight \(weight.shape) and bias \(bias.shape) disagree")
        self.weight = weight
        self.bias = bias
    }

    /// `x` (rows, in) → `y` (rows, out); `y` must not alias `x`.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                linear(x, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!, bias: b.baseAddress!,
                       outFeatures: outFeatures, into: y)
            }
        }
    }

    /// `x` (rows, in) → `y` = x · Wᵀ (rows, out) without the bias, for callers that add it in
    /// the pass that follows (saves writing the bias rows and reading them back in the GEMM).
    func applyWithoutBias(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            linear(x, rows: rows, inFeatures: inFeatures, weight: w.baseAddress!, bias: nil,
                   outFeatures: outFeatures, into: y)
        }
    }

    /// Runs `body` with the bias (out).
    func withBias<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try bias.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Tensor form: (…, in) → (…, out).
    func callAsFunction(_ x: Tensor) -> Tensor {
        linear(x, weight: weight, bias: bias)
    }

    /// Several projections of the same input stacked into one (Σout, in) layer, so that one GEMM
    /// computes them all (self-attention's q, k, v).
    static func stacked(_ parts: [LinearProjection]) -> LinearProjection {
        let inFeatures = parts[0].inFeatures
        precondition(parts.allSatisfy { $0.inFeatures == inFeatures })
        let outFeatures = parts.reduce(0) { $0 + $1.outFeatures }
        return LinearProjection(
            weight: Tensor(shape: [outFeatures, inFeatures], data: parts.flatMap(\.weight.data)),
            bias: Tensor(shape: [outFeatures], data: parts.flatMap(\.bias.data)))
    }
}
