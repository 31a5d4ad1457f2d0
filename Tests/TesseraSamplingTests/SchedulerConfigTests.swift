// Decoding scheduler_config.json with diffusers' keys, the shift each sampler takes from it,
// and the options Tessera rejects with an error naming the key.

import Foundation
import TesseraSampling
import XCTest

final class SchedulerConfigTests: XCTestCase {
    /// Wan-AI/Wan2.1-T2V-1.3B-Diffusers scheduler/scheduler_config.json, as published.
    let wanJSON = """
        {"_class_name": "UniPCMultistepScheduler", "_diffusers_version": "0.33.0.dev0", "beta_end": 0.02,
         "beta_schedule": "linear", "beta_start": 0.0001, "disable_corrector": [], "dynamic_thresholding_ratio": 0.995,
         "final_sigmas_type": "zero", "flow_shift": 3.0, "lower_order_final": true, "num_train_timesteps": 1000,
         "predict_x0": true, "prediction_type": "flow_prediction", "rescale_betas_zero_snr": false,
         "sample_max_value": 1.0, "solver_order": 2, "solver_p": null, "solver_type": "bh2", "steps_offset": 0,
         "thresholding": false, "timestep_spacing": "linspace", "trained_betas": null, "use_beta_sigmas": false,
         "use_exponential_sigmas": false, "use_flow_sigmas": true, "use_karras_sigmas": false}
        """

    func testDecodesWanConfig() throws {
        let config = try SchedulerConfig(json: Data(wanJSON.utf8))
        XCTAssertEqual(config, {
            var c = SchedulerConfig.wan
            c.useKarrasSigmas = false; c.useExponentialSigmas = false; c.useBetaSigmas = false; c.thresholding = false
            return c
        }())
        XCTAssertEqual(config.modelShift, 3.0)
        XCTAssertEqual(Sampler.default(for: config), .unipc)
    }

    func testEverySamplerRunsFromWanConfigWithItsShift() throws {
        let config = try SchedulerConfig(json: Data(wanJSON.utf8))
        for sampler in Sampler.allCases {
            var s = try sampler.makeScheduler(config: config)
            s.setTimesteps(10)
            XCTAssertEqual(s.name, sampler.rawValue)
            XCTAssertEqual(s.timesteps.count, 10)
            XCTAssertEqual(s.sigmas.last, 0)
            // Shift 3 keeps the second sigma high (unshifted: 0.9).
            XCTAssertGreaterThan(s.sigmas[1], 0.96, sampler.rawValue)
            var shifted = try sampler.makeScheduler(config: config, shift: 1)
            shifted.setTimesteps(10)
            // Unshifted: Euler spans [1, 0.001] in 10 points, the solvers [1, 0.001] in 11.
            XCTAssertEqual(shifted.sigmas[1], sampler == .euler ? 0.889 : 0.9, accuracy: 1.5e-3, sampler.rawValue)
        }
    }

    func testEulerConfigDrivesMultistepSolvers() throws {
        let config = try SchedulerConfig(json: Data(#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 5.0}"#.utf8))
        XCTAssertEqual(config.modelShift, 5)
        var unipc = try Sampler.unipc.makeScheduler(config: config)
        unipc.setTimesteps(2)
        XCTAssertEqual(unipc.sigmas[1], Float(5 * 0.5005 / (1 + 4 * 0.5005)), accuracy: 1e-6)
    }

    func testRejectionsNameTheKey() {
        func rejection(_ json: String, _ sampler: Sampler) -> String? {
            do {
                let config = try SchedulerConfig(json: Data(json.utf8))
                _ = try sampler.makeScheduler(config: config)
                return nil
            } catch {
                return "\(error)"
            }
        }
        let base = #""_class_name": "UniPCMultistepScheduler", "use_flow_sigmas": true, "prediction_type": "flow_prediction""#
        XCTAssertTrue(rejection(#"{"use_flow_sigmas": false}"#, .unipc)?.contains("use_flow_sigmas") == true)
        XCTAssertTrue(rejection("{\(base), \"solver_type\": \"bh1\"}", .unipc)?.contains("solver_type = bh1") == true)
        XCTAssertTrue(rejection("{\(base), \"lower_order_final\": false}", .unipc)?.contains("lower_order_final") == true)
        XCTAssertTrue(rejection(#"{"use_flow_sigmas": true, "prediction_type": "epsilon"}"#, .dpmpp)?.contains("prediction_type") == true)
        XCTAssertTrue(rejection("{\(base), \"use_karras_sigmas\": true}", .euler)?.contains("use_karras_sigmas") == true)
        XCTAssertTrue(rejection("{\(base), \"final_sigmas_type\": \"sigma_min\"}", .unipc)?.contains("final_sigmas_type") == true)
        XCTAssertTrue(rejection("{\(base), \"solver_order\": 3}", .dpmpp)?.contains("solver_order") == true)
        XCTAssertTrue(rejection(#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": -1}"#, .euler)?.contains("shift") == true)
        XCTAssertTrue(rejection(#"{"flow_shift": "three"}"#, .unipc)?.contains("flow_shift") == true)
        XCTAssertTrue(rejection(#"{"flow_shift": 3"#, .unipc)?.contains("not valid JSON") == true)
        XCTAssertNil(rejection("{\(base)}", .unipc))
    }

    /// The unsupported-option checks (string options and flags) give their full one-line errors.
    func testUnsupportedOptionMessages() throws {
        let flow = #""use_flow_sigmas": true, "prediction_type": "flow_prediction""#
        let unipcFlow = #""_class_name": "UniPCMultistepScheduler", "# + flow
        let cases: [(String, Sampler, String)] = [
            ("{\(unipcFlow), \"solver_type\": \"bh1\"}", .unipc,
             "solver_type = bh1 is not supported; use \"bh2\" (with flow sigmas and a zero final sigma, \"bh1\" gives NaN at the last step in diffusers too)"),
            ("{\(unipcFlow), \"predict_x0\": false}", .unipc,
             "predict_x0 = false is not supported; flow_prediction needs data prediction; set it to true"),
            ("{\(unipcFlow), \"thresholding\": true}", .unipc,
             "thresholding = true is not supported; dynamic thresholding is for pixel-space models; set it to false"),
            (#"{"use_flow_sigmas": true, "prediction_type": "epsilon"}"#, .unipc,
             "prediction_type = epsilon is not supported; use \"flow_prediction\""),
            ("{\"_class_name\": \"DPMSolverMultistepScheduler\", \(flow), \"algorithm_type\": \"dpmsolver\"}", .dpmpp,
             "algorithm_type = dpmsolver is not supported; use \"dpmsolver++\""),
            (#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "invert_sigmas": true}"#, .euler,
             "invert_sigmas = true is not supported; set it to false"),
            (#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "stochastic_sampling": true}"#, .euler,
             "stochastic_sampling = true is not supported; Tessera's Euler sampler is deterministic; set it to false"),
        ]
        for (json, sampler, message) in cases {
            let config = try SchedulerConfig(json: Data(json.utf8))
            XCTAssertThrowsError(try sampler.makeScheduler(config: config), json) { error in
                XCTAssertEqual("\(error)", "scheduler config: " + message)
            }
        }
        let unipc = try SchedulerConfig(json: Data("{\(unipcFlow), \"solver_type\": \"bh2\", \"predict_x0\": true, \"thresholding\": false}".utf8))
        XCTAssertNoThrow(try Sampler.unipc.makeScheduler(config: unipc))
        let dpm = try SchedulerConfig(json: Data("{\"_class_name\": \"DPMSolverMultistepScheduler\", \(flow), \"algorithm_type\": \"dpmsolver++\"}".utf8))
        XCTAssertNoThrow(try Sampler.dpmpp.makeScheduler(config: dpm))
    }

    func testSamplerNames() throws {
        XCTAssertEqual(try Sampler(name: "dpm++"), .dpmpp)
        XCTAssertEqual(try Sampler(name: "UniPC"), .unipc)
        XCTAssertThrowsError(try Sampler(name: "ddim")) { error in
            XCTAssertEqual("\(error)", "unknown sampler 'ddim'; choose one of euler, unipc, dpm++")
        }
    }

    func testFlowSigmasLinspaceIsNumPys() {
        // numpy.linspace(1, 0.001, 4) -> [1.0, 0.667, 0.334, 0.001] (start + i * step, last = stop)
        XCTAssertEqual(FlowSigmas.linspace(1, 0.001, 4), [1.0, 1.0 + 1 * (-0.333), 1.0 + 2 * (-0.333), 0.001])
        XCTAssertEqual(FlowSigmas.shifted(1, shift: 3), 1)
        XCTAssertEqual(FlowSigmas.shifted(0.5, shift: 3), 0.75)
    }
}
