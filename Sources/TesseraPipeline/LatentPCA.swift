// Latents as pictures (`inspect OUTDIR --latents`): principal component analysis over the
// latent channels, every latent pixel of every latent frame one sample, each channel one
// feature; the first three components become red, green and blue. Neighbouring pixels with
// similar latent vectors get similar colours, so the picture shows what the latents encode
// (shapes, regions, motion) without the VAE.

import Foundation
import TesseraMedia

/// The principal components of one clip's latents over their channels.
public struct LatentPCA: Sendable {
    /// Per-channel mean of the samples.
    public var mean: [Double]
    /// Unit vectors over the channels, by decreasing variance (at most `componentCount`).
    /// Signs follow `SymmetricEigendecomposition`: the largest entry is positive.
    public var components: [[Double]]
    /// Variance of the samples along each component (the covariance's eigenvalues).
    public var variances: [Double]
    /// Sum of the channel variances (the covariance's trace).
    public var totalVariance: Double

    /// The share of the total variance each component explains (0 when there is none).
    public var explainedVarianceRatios: [Double] {
        variances.map { totalVariance > 0 ? max(0, $0) / totalVariance : 0 }
    }

    /// Analyses `values`, laid out (channels, samples) as a (C, F, h, w) latent tensor is:
    /// centres each channel, forms the C x C covariance (divided by the sample count) and
    /// keeps its `componentCount` leading eigenvectors.
    public init(values: [Float], channels: Int, componentCount: Int = 3) {
        precondition(channels > 0 && !values.isEmpty && values.count % channels == 0 && componentCount > 0,
                     "LatentPCA: \(values.count) values over \(channels) channels")
        let samples = values.count / channels
        var centred = [[Double]](repeating: [], count: channels)
        var mean = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            let row = values[(c * samples)..<((c + 1) * samples)].map(Double.init)
            mean[c] = row.reduce(0, +) / Double(samples)
            centred[c] = row.map { $0 - mean[c] }
        }
        var covariance = [Double](repeating: 0, count: channels * channels)  // (C, C)
        for i in 0..<channels {
            for j in i..<channels {
                var sum = 0.0
                centred[i].withUnsafeBufferPointer { a in
                    centred[j].withUnsafeBufferPointer { b in
                        for k in 0..<samples { sum += a[k] * b[k] }
                    }
                }
                covariance[i * channels + j] = sum / Double(samples)
                covariance[j * channels + i] = sum / Double(samples)
            }
        }
        let eigen = SymmetricEigendecomposition(matrix: covariance, size: channels)
        let kept = min(componentCount, channels)
        self.mean = mean
        self.components = Array(eigen.vectors.prefix(kept))
        self.variances = Array(eigen.values.prefix(kept))
        self.totalVariance = (0..<channels).reduce(0) { $0 + covariance[$1 * channels + $1] }
    }

    /// The coordinates of every sample of `values` ((channels, samples), as for `init`) along
    /// each component: `result[k][n]` for component k, sample n.
    public func project(_ values: [Float]) -> [[Float]] {
        let channels = mean.count
        precondition(values.count % channels == 0, "LatentPCA.project: \(values.count) values over \(channels) channels")
        let samples = values.count / channels
        return components.map { component in
            var out = [Double](repeating: 0, count: samples)
            for c in 0..<channels {
                let weight = component[c], centre = mean[c]
                values.withUnsafeBufferPointer { v in
                    for n in 0..<samples { out[n] += weight * (Double(v[c * samples + n]) - centre) }
                }
            }
            return out.map { Float($0) }
        }
    }

    // MARK: - Pictures

    /// One picture per latent frame of `values` (shape (C, F, h, w) as `shape`): component
    /// k (k < 3) in colour channel k, each scaled so that its 1st percentile is 0 and its
    /// 99th is 255 (clipped beyond, so a few extreme values do not wash out the rest; a flat
    /// component is mid-grey, a missing one, with fewer than 3 channels, is 0); each latent
    /// pixel drawn as a `width / w`-wide block (nearest neighbour), `height` rounded from
    /// the aspect ratio.
    public func frames(of values: [Float], shape: [Int], width: Int) -> [RGBImage] {
        precondition(shape.count == 4 && shape[0] == mean.count && values.count == shape.reduce(1, *) && width > 0)
        let (frameCount, h, w) = (shape[1], shape[2], shape[3])
        let height = max(1, Int((Double(h) * Double(width) / Double(w)).rounded()))
        let projected = project(values)
        let levels: [[UInt8]] = (0..<3).map { k in
            guard k < projected.count else { return [UInt8](repeating: 0, count: frameCount * h * w) }
            let coordinates = projected[k]
            let sorted = coordinates.sorted()
            let low = Self.percentile(sorted, 0.01), high = Self.percentile(sorted, 0.99)
            guard high - low > 1e-12 * max(1, abs(high), abs(low)) else {
                return [UInt8](repeating: 128, count: coordinates.count)
            }
            let scale = 255 / Double(high - low)
            return coordinates.map { UInt8(max(0, min(255, (Double($0 - low) * scale).rounded()))) }
        }
        let sourceX = (0..<width).map { min(w - 1, $0 * w / width) }
        let sourceY = (0..<height).map { min(h - 1, $0 * h / height) }
        return (0..<frameCount).map { f in
            var image = RGBImage(width: width, height: height)
            for y in 0..<height {
                let row = (f * h + sourceY[y]) * w
                for x in 0..<width {
                    let n = row + sourceX[x], d = (y * width + x) * 3
                    image.pixels[d] = levels[0][n]
                    image.pixels[d + 1] = levels[1][n]
                    image.pixels[d + 2] = levels[2][n]
                }
            }
            return image
        }
    }

    /// The `fraction` quantile of ascending `sorted` values, linearly interpolated.
    static func percentile(_ sorted: [Float], _ fraction: Double) -> Float {
        precondition(!sorted.isEmpty)
        let position = fraction * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(sorted.count - 1, below + 1)
        let t = Float(position - Double(below))
        return sorted[below] + (sorted[above] - sorted[below]) * t
    }
}
