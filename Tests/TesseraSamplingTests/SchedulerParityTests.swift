// Schedules and multi-step trajectories against diffusers 0.42.1.
// Fixture: `python3 scripts/fixtures/schedulers.py` -> Tests/Fixtures/schedulers/schedulers.json
// (random model outputs fed to each diffusers scheduler's `step`, as WanPipeline's loop does).

import Foundation
import TesseraSampling
import XCTest

final class SchedulerParityTests: XCTestCase {
    struct Case: Decodable {
        let name: String
        let className: String
        let config: SchedulerConfig
        let steps: Int
        let timesteps: [Float]
        let sigmas: [Float]
        let sample: [Float]
        let model_outputs: [[Float]]
        let trajectory: [[Float]]
        enum CodingKeys: String, CodingKey {
            case name, config, steps, timesteps, sigmas, sample, model_outputs, trajectory
            case className = "class"
        }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: Fixtures.url("schedulers", "schedulers.json"))
        // diffusers writes DPM-Solver's "lambda_min_clipped": -Infinity (Python's JSON).
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try! decoder.decode(File.self, from: data).cases
    }()

    func scheduler(for c: Case) throws -> any Scheduler {
        let sampler = Sampler.default(for: c.config)
        XCTAssertEqual(sampler.diffusersClass, c.className, c.name)
        return try sampler.makeScheduler(config: c.config)
    }

    func testFixtureCoversEverySampler() {
        let classes = Set(Self.cases.map(\.className))
        XCTAssertEqual(classes, Set(Sampler.allCases.map(\.diffusersClass)))
        XCTAssertGreaterThan(Self.cases.count, 30)
    }

    func testTimestepsAndSigmasMatchDiffusers() throws {
        for c in Self.cases {
            var s = try scheduler(for: c)
            s.setTimesteps(c.steps)
            XCTAssertEqual(s.timesteps.count, c.timesteps.count, c.name)
            XCTAssertEqual(s.sigmas.count, c.sigmas.count, c.name)
            guard s.timesteps.count == c.timesteps.count, s.sigmas.count == c.sigmas.count else { continue }
            for (a, b) in zip(s.timesteps, c.timesteps) {
                // UniPC and DPM-Solver timesteps are integers (diffusers' int64 cast): exact.
                XCTAssertEqual(a, b, accuracy: c.className == "FlowMatchEulerDiscreteScheduler" ? 1e-4 : 0, c.name)
            }
            for (a, b) in zip(s.sigmas, c.sigmas) {
                XCTAssertEqual(a, b, accuracy: 1e-7, c.name)
            }
        }
    }

    func testTrajectoriesMatchDiffusers() throws {
        var worst = (error: Float(0), name: "")
        for c in Self.cases {
            var s = try scheduler(for: c)
            s.setTimesteps(c.steps)
            var x = c.sample
            for (i, t) in s.timesteps.enumerated() {
                x = s.step(modelOutput: c.model_outputs[i], timestep: t, sample: x)
                let reference = c.trajectory[i]
                let scale = max(1, reference.map(abs).max()!)
                let error = zip(x, reference).map { abs($0 - $1) }.max()! / scale
                if error > worst.error { worst = (error, "\(c.name) step \(i)") }
            }
        }
        // float32 in both; diffusers computes coefficients in float32, Tessera in float64 (worst
        // measured: 1.05e-6, UniPC 30 steps).
        XCTAssertLessThan(worst.error, 1e-5, "worst relative error at \(worst.name)")
    }
}
