// Latents as pictures: the Jacobi eigensolver against matrices built from known eigenpairs,
// PCA of synthetic latents whose variance lies along known channel directions, the picture's
// size and colours, and latents files that cannot be read.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraTensor
import TesseraWeights
import TesseraTestSupport
import XCTest

final class LatentPCATests: XCTestCase {
    // MARK: - Deterministic test data

    /// Uniform and normal draws from the shared seeded generator.
    private struct SplitMix64 {
        var generator: SeededGenerator
        init(state: UInt64) { generator = SeededGenerator(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        /// Uniform in [-1, 1).
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) * 2 - 1 }
        /// Standard normal (Box-Muller).
        mutating func normal() -> Double {
            let u = max(Double(next() >> 11) / Double(1 << 53), 1e-300), v = Double(next() >> 11) / Double(1 << 53)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
    }

    /// `count` orthonormal vectors of `size` values (Gram-Schmidt on random vectors).
    private func orthonormal(_ count: Int, size: Int, seed: UInt64) -> [[Double]] {
        var random = SplitMix64(state: seed)
        var basis: [[Double]] = []
        while basis.count < count {
            var v = (0..<size).map { _ in random.uniform() }
            for b in basis {
                let d = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                v = zip(v, b).map { $0 - d * $1 }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-6 { basis.append(v.map { $0 / norm }) }
        }
        return basis
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    // MARK: - Eigendecomposition

    func testJacobiRecoversKnownEigenpairs() throws {
        let n = 6
        let vectors = orthonormal(n, size: n, seed: 1)
        let values = [9.0, 4.0, 2.5, 1.0, 0.25, -0.5]
        var matrix = [Double](repeating: 0, count: n * n)  // A = Σ λ v vᵀ
        for (v, lambda) in zip(vectors, values) {
            for i in 0..<n { for j in 0..<n { matrix[i * n + j] += lambda * v[i] * v[j] } }
        }
        let eigen = SymmetricEigendecomposition(matrix: matrix, size: n)
        for (found, expected) in zip(eigen.values, values) { XCTAssertEqual(found, expected, accuracy: 1e-10) }
        for (k, v) in eigen.vectors.enumerated() {
            XCTAssertEqual(abs(dot(v, vectors[k])), 1, accuracy: 1e-9, "eigenvector \(k), up to sign")
            let largest = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
            XCTAssertGreaterThan(v[largest], 0, "sign: the largest entry is positive")
            // A v = λ v.
            for i in 0..<n {
                let av = (0..<n).reduce(0) { $0 + matrix[i * n + $1] * v[$1] }
                XCTAssertEqual(av, eigen.values[k] * v[i], accuracy: 1e-9)
            }
        }
        // Already diagonal: nothing to rotate, values sorted, unit vectors.
        let diagonal = SymmetricEigendecomposition(matrix: [1, 0, 0, 0, 3, 0, 0, 0, 2], size: 3)
        XCTAssertEqual(diagonal.values, [3, 2, 1])
        XCTAssertEqual(diagonal.vectors, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    }

    // MARK: - PCA

    /// Latents (C, F, h, w) = mean + Σ_k a_k(n) u_k + small noise, with amplitudes 5, 3 and
    /// 1.5 along orthonormal directions u_k that are not channel axes.
    private func syntheticLatents(channels: Int, frames: Int, height: Int, width: Int,
                                  directions: [[Double]], amplitudes: [Double], offset: [Double], seed: UInt64) -> [Float] {
        var random = SplitMix64(state: seed)
        let samples = frames * height * width
        var values = [Float](repeating: 0, count: channels * samples)
        for n in 0..<samples {
            let coefficients = amplitudes.map { $0 * random.normal() }
            for c in 0..<channels {
                var x = offset[c] + 0.02 * random.normal()
                for k in directions.indices { x += coefficients[k] * directions[k][c] }
                values[c * samples + n] = Float(x)
            }
        }
        return values
    }

    func testPCARecoversKnownDirectionsInOrder() throws {
        let channels = 16
        let directions = orthonormal(3, size: channels, seed: 42)
        // Given in the order 1.5, 5, 3: PCA must sort them by variance.
        let amplitudes = [1.5, 5.0, 3.0]
        let offset = (0..<channels).map { Double($0) * 0.1 - 0.4 }
        let values = syntheticLatents(channels: channels, frames: 8, height: 24, width: 32,
                                      directions: directions, amplitudes: amplitudes, offset: offset, seed: 7)
        let pca = LatentPCA(values: values, channels: channels)
        XCTAssertEqual(pca.components.count, 3)
        XCTAssertGreaterThan(abs(dot(pca.components[0], directions[1])), 0.999, "largest variance first (amplitude 5)")
        XCTAssertGreaterThan(abs(dot(pca.components[1], directions[2])), 0.999, "then amplitude 3")
        XCTAssertGreaterThan(abs(dot(pca.components[2], directions[0])), 0.99, "then amplitude 1.5")
        for (c, m) in pca.mean.enumerated() { XCTAssertEqual(m, offset[c], accuracy: 0.5) }
        // Variances near the amplitudes squared (6144 samples: within 10%), and almost all of it.
        for (found, amplitude) in zip(pca.variances, [5.0, 3.0, 1.5]) {
            XCTAssertEqual(found / (amplitude * amplitude), 1, accuracy: 0.1)
        }
        XCTAssertGreaterThan(pca.explainedVarianceRatios.reduce(0, +), 0.99)
        XCTAssertTrue(pca.explainedVarianceRatios == pca.explainedVarianceRatios.sorted(by: >))

        // The sign does not depend on the data's: negated latents give the same components,
        // and projections of the negated data are the negated projections.
        let negated = LatentPCA(values: values.map { -$0 }, channels: channels)
        for (a, b) in zip(pca.components, negated.components) {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-9) }
        }
        let p = pca.project(values), q = negated.project(values.map { -$0 })
        for k in 0..<3 { XCTAssertEqual(p[k][17], -q[k][17], accuracy: 1e-3) }
        // Projections are centred and have the component's variance.
        let first = p[0].map(Double.init)
        XCTAssertEqual(first.reduce(0, +) / Double(first.count), 0, accuracy: 1e-4)
        XCTAssertEqual(first.reduce(0) { $0 + $1 * $1 } / Double(first.count), pca.variances[0], accuracy: 1e-3 * pca.variances[0])
    }

    func testFewerThanThreeChannelsAndFlatLatents() throws {
        // Two channels: two components, blue stays 0.
        let two = Tensor(shape: [2, 1, 2, 2], data: [0, 1, 2, 3, 3, 2, 1, 0])
        let picture = LatentsFile.principalComponents(of: two, columns: 4, cellWidth: 8)
        XCTAssertEqual(picture.analysis.components.count, 2)
        let frame = picture.analysis.frames(of: two.data, shape: two.shape, width: 8)[0]
        XCTAssertEqual((0..<(8 * 8)).map { frame.pixels[$0 * 3 + 2] }, Array(repeating: 0, count: 64))
        // Constant latents: every component flat, mid-grey.
        let flat = Tensor(repeating: 0.5, shape: [4, 2, 3, 3])
        let grey = LatentPCA(values: flat.data, channels: 4).frames(of: flat.data, shape: flat.shape, width: 3)
        XCTAssertEqual(grey.count, 2)
        XCTAssertTrue(grey.allSatisfy { $0.pixels.allSatisfy { $0 == 128 } })
    }

    // MARK: - Pictures

    func testPictureSizeAndColoursFollowTheComponents() throws {
        // 4 channels, 3 latent frames of 5x7. Channel pattern: along direction u, the value is
        // the x position; along v (with less spread), the y position. Red must grow with x,
        // green with y.
        let (channels, frames, h, w) = (4, 3, 5, 7)
        let basis = orthonormal(2, size: channels, seed: 3)
        var data = [Float](repeating: 0, count: channels * frames * h * w)
        let samples = frames * h * w
        for f in 0..<frames {
            for y in 0..<h {
                for x in 0..<w {
                    let n = (f * h + y) * w + x
                    for c in 0..<channels {
                        data[c * samples + n] = Float(Double(x - 3) * 2 * basis[0][c] + Double(y - 2) * 0.5 * basis[1][c])
                    }
                }
            }
        }
        let latents = Tensor(shape: [channels, frames, h, w], data: data)
        // Default cell: 7 px latents times the smallest whole factor reaching 128 (19) = 133
        // wide, 95 high; 3 cells in a row, 2 px apart.
        let picture = LatentsFile.principalComponents(of: latents, columns: 8)
        XCTAssertEqual(picture.shape, [4, 3, 5, 7])
        XCTAssertEqual(picture.image.width, 3 * 133 + 4 * 2)
        XCTAssertEqual(picture.image.height, 95 + 2 * 2)
        let wrapped = LatentsFile.principalComponents(of: latents, columns: 2, cellWidth: 70)
        XCTAssertEqual(wrapped.image.width, 2 * 70 + 3 * 2)
        XCTAssertEqual(wrapped.image.height, 2 * 50 + 3 * 2, "two rows of 70x50 cells")

        let cells = picture.analysis.frames(of: latents.data, shape: latents.shape, width: 70)  // 10 px per latent pixel
        XCTAssertEqual(cells.count, 3)
        XCTAssertEqual(cells[0].width, 70)
        XCTAssertEqual(cells[0].height, 50)
        let rowY = 25, columnX = 35
        let reds = (0..<w).map { Int(cells[1][$0 * 10 + 5, rowY].0) }
        let greens = (0..<h).map { Int(cells[1][columnX, $0 * 10 + 5].1) }
        XCTAssertTrue(reds == reds.sorted() || reds == reds.sorted(by: >), "red follows x: \(reds)")
        XCTAssertEqual(Set(reds).count, w)
        XCTAssertTrue(greens == greens.sorted() || greens == greens.sorted(by: >), "green follows y: \(greens)")
        XCTAssertEqual(Set(greens).count, h)
        XCTAssertEqual(reds.min(), 0)
        XCTAssertEqual(reds.max(), 255, "1st to 99th percentile spans 0-255")
        // Nearest neighbour: a latent pixel is a flat 10x10 block.
        XCTAssertTrue((0..<10).allSatisfy { dy in (0..<10).allSatisfy { dx in cells[1][20 + dx, 30 + dy] == cells[1][20, 30] } })
        // Every frame the same pattern, so the same picture.
        XCTAssertEqual(cells[0], cells[2])
    }

    // MARK: - Files

    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-latents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testLoadReadsWhatWriteWroteAndRejectsBadFiles() throws {
        let dir = try scratch()
        let latents = Tensor(shape: [1, 4, 2, 3, 3], data: (0..<72).map { Float($0) / 10 })
        try LatentsFile.write(latents, to: dir.appendingPathComponent(LatentsFile.fileName), metadata: ["seed": "5"])
        let (loaded, metadata, file) = try LatentsFile.load(dir)  // a folder: its latents.safetensors
        XCTAssertEqual(loaded.shape, [4, 2, 3, 3])
        XCTAssertEqual(loaded.data, latents.data)
        XCTAssertEqual(metadata["seed"], "5")
        XCTAssertEqual(metadata["format"], LatentsFile.format)
        XCTAssertEqual(file.lastPathComponent, LatentsFile.fileName)

        func expectError(_ url: URL, mentioning needle: String, line: UInt = #line) {
            XCTAssertThrowsError(try LatentsFile.load(url), line: line) { error in
                let message = "\(error)"
                XCTAssertFalse(message.contains("\n"), "one line: \(message)", line: line)
                XCTAssertTrue(message.contains(needle), "'\(message)' mentions '\(needle)'", line: line)
            }
        }
        expectError(dir.appendingPathComponent("none"), mentioning: "--save-latents")
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        expectError(empty, mentioning: "--save-latents")
        let garbage = dir.appendingPathComponent("garbage.safetensors")
        try Data("not a safetensors file at all".utf8).write(to: garbage)
        expectError(garbage, mentioning: "not a safetensors file")

        var other = SafetensorsWriter()
        try other.add("noise", Tensor(zeros: [1, 4, 2, 3, 3]))
        try other.write(to: dir.appendingPathComponent("noise.safetensors"))
        expectError(dir.appendingPathComponent("noise.safetensors"), mentioning: "no tensor named 'latents'")

        try LatentsFile.write(Tensor(zeros: [2, 4, 2, 3, 3]), to: dir.appendingPathComponent("two.safetensors"))
        expectError(dir.appendingPathComponent("two.safetensors"), mentioning: "expected one clip")
        try LatentsFile.write(Tensor(zeros: [4, 3]), to: dir.appendingPathComponent("flat.safetensors"))
        expectError(dir.appendingPathComponent("flat.safetensors"), mentioning: "expected one clip")
        var bad = latents.data
        bad[5] = .nan
        try LatentsFile.write(Tensor(shape: latents.shape, data: bad), to: dir.appendingPathComponent("nan.safetensors"))
        expectError(dir.appendingPathComponent("nan.safetensors"), mentioning: "NaN")
    }
}
