// Tessera's seeded noise: Philox4x32-10 known answers, Box-Muller normals against an independent
// NumPy implementation, and independence from the thread count and the work split.
// Fixture: `python3 scripts/fixtures/schedulers.py` -> Tests/Fixtures/schedulers/philox.json
// (Random123's kat_vectors for philox4x32_10, and `philox_normals` in that script).

import Foundation
import TesseraSampling
import TesseraTensor
import XCTest

final class NoiseTests: XCTestCase {
    struct File: Decodable {
        struct KAT: Decodable { let counter: [UInt32]; let key: [UInt32]; let output: [UInt32] }
        struct Normals: Decodable { let seed: UInt64; let sample: UInt64; let values: [Float] }
        let kats: [KAT]
        let normals: [Normals]
    }

    static let file: File = {
        let data = try! Data(contentsOf: Fixtures.url("schedulers", "philox.json"))
        return try! JSONDecoder().decode(File.self, from: data)
    }()

    func testPhiloxKnownAnswers() {
        XCTAssertEqual(Self.file.kats.count, 3)
        for kat in Self.file.kats {
            let c = kat.counter, k = kat.key
            let out = Philox4x32.block(counter: (c[0], c[1], c[2], c[3]), key: (k[0], k[1]))
            XCTAssertEqual([out.0, out.1, out.2, out.3], kat.output)
        }
        // Random123 kat_vectors, first line: philox4x32 10 zeros -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
        let zero = Philox4x32.block(counter: (0, 0, 0, 0), key: (0, 0))
        XCTAssertEqual(zero.0, 0x6627_E8D5)
    }

    func testNormalsMatchTheNumPyDefinition() {
        for n in Self.file.normals {
            let values = GaussianNoise.normals(seed: n.seed, sample: n.sample, count: n.values.count)
            for (a, b) in zip(values, n.values) {
                // float64 libm in both, rounded to float32: equal up to the last bit.
                XCTAssertEqual(a, b, accuracy: 2e-7 * max(1, abs(b)), "seed \(n.seed) sample \(n.sample)")
            }
        }
    }

    func testSamplesAndSeedsDiffer() {
        let a = GaussianNoise.normals(seed: 42, sample: 0, count: 64)
        let b = GaussianNoise.normals(seed: 42, sample: 1, count: 64)
        let c = GaussianNoise.normals(seed: 43, sample: 0, count: 64)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a, GaussianNoise.normals(seed: 42, sample: 0, count: 64))
    }

    func testIndependentOfThreadCountAndSplit() {
        let count = 16 * 9 * 16 * 16 + 3  // a latent clip, plus a partial block
        let before = Threads.count
        defer { Threads.configure(before) }
        Threads.configure(1)
        let one = GaussianNoise.normals(seed: 7, count: count)
        Threads.configure(Threads.cores)
        let all = GaussianNoise.normals(seed: 7, count: count)
        XCTAssertEqual(one, all)
        // Any split, including ones that cut a Philox block in the middle.
        var pieces = [Float](repeating: .nan, count: count)
        pieces.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            for length in [1, 2, 5, 4093, 7, 10_000] + [count] {
                let n = min(length, count - start)
                if n <= 0 { break }
                GaussianNoise.fill(UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + n)]),
                                   seed: 7, sample: 0, offset: start)
                start += n
            }
        }
        XCTAssertEqual(pieces, one)
        // The prefix of a longer draw is the shorter draw.
        XCTAssertEqual(Array(GaussianNoise.normals(seed: 7, count: 1000)), Array(one[0..<1000]))
    }

    func testLooksStandardNormal() {
        let x = GaussianNoise.normals(seed: 2026, count: 200_000).map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)      // 4.5 standard errors
        XCTAssertEqual(variance, 1, accuracy: 0.015) // ~4.7 standard errors
        let tail = Double(x.filter { abs($0) > 1.96 }.count) / Double(x.count)
        XCTAssertEqual(tail, 0.05, accuracy: 0.003)
    }
}
