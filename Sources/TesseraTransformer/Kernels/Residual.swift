// Residual updates of the token stream: x += delta, or x += delta · gate (adaLN gates).

import TesseraTensor

/// x ← x + (delta + bias) · gate[r / rowsPerGroup], over (rows, dim) row-major buffers.
///
/// `bias` (dim) is the bias of the linear layer that produced `delta`; `gate` points to
/// (groups, dim) rows with row stride `gateStride` (one group per sample). With `gate` nil,
/// x ← x + delta + bias.
func addResidual(
    _ x: UnsafeMutablePointer<Float>, _ delta: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows: Int, dim: Int, gate: UnsafePointer<Float>? = nil, gateStride: Int = 0, rowsPerGroup: Int = 1
) {
    let address = Int(bitPattern: x)
    Threads.parallelFor(rows, grain: 32) { range in
        let x = UnsafeMutablePointer<Float>(bitPattern: address)!
        for r in range {
            let dst = x + r * dim
            let src = delta + r * dim
            if let gate {
                let g = gate + (r / rowsPerGroup) * gateStride
                for i in 0..<dim { dst[i] += (src[i] + bias[i]) * g[i] }
            } else {
                for i in 0..<dim { dst[i] += src[i] + bias[i] }
            }
        }
    }
}
