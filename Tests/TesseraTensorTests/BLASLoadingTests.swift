// OpenBLAS loading: the core type chosen from the CPU, and a user's OPENBLAS_CORETYPE kept.
// The user setting is checked in child processes (the built `tessera doctor`), because
// OpenBLAS reads the variable once, when it loads.

import Foundation
import TesseraTensor
import XCTest

final class BLASLoadingTests: XCTestCase {
    /// In this process (no OPENBLAS_CORETYPE set by the test runner, or one set by the user),
    /// the reported source agrees with the environment and the kernels match the request.
    func testCoreTypeFollowsCPUFeatures() throws {
        try BLAS.load()
        let requested = BLAS.requestedCoreType
        if let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !user.isEmpty {
            XCTAssertEqual(requested.source, .user)
            XCTAssertEqual(requested.name, user)
        } else if let preferred = CPUFeatures.current.preferredCoreType {
            XCTAssertEqual(requested.source, .auto)
            XCTAssertEqual(requested.name, preferred)
            XCTAssertEqual(BLAS.coreName.lowercased(), preferred.lowercased(),
                           "OpenBLAS runs \(BLAS.coreName) although \(preferred) was requested")
        } else {
            XCTAssertEqual(requested.source, .openblas)
        }
        XCTAssertTrue(BLAS.config.hasPrefix("OpenBLAS"), BLAS.config)
        // The variable set for OpenBLAS's constructor is removed again, so children see none.
        if requested.source == .auto {
            XCTAssertNil(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        }
    }

    /// Feature detection is consistent: AVX-512 sub-features imply AVX-512F, AVX2 implies AVX.
    func testCPUFeaturesAreConsistent() {
        let cpu = CPUFeatures.current
        if cpu.avx512bw || cpu.avx512dq || cpu.avx512vl { XCTAssertTrue(cpu.avx512f) }
        if cpu.avx2 || cpu.fma { XCTAssertTrue(cpu.avx) }
        if cpu.preferredCoreType == "SkylakeX" { XCTAssertTrue(cpu.avx512f && cpu.avx512bw && cpu.avx512dq && cpu.avx512vl) }
        XCTAssertFalse(cpu.vendor.isEmpty)
    }

    /// `tessera doctor --json` in a child: with OPENBLAS_CORETYPE=Haswell the user's choice is
    /// kept (source "user", Haswell kernels); without it, Tessera's own choice is reported.
    func testExplicitCoreTypeIsRespected() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("tessera")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            XCTFail("\(binary.path) not built: run `swift build -c release --build-tests` first")
            return
        }
        func doctor(coreType: String?) throws -> [String: Any] {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["doctor", "--json", "--no-benchmark"]
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_CORETYPE"] = coreType
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let user = try doctor(coreType: "Haswell")
        XCTAssertEqual(user["core_type_source"] as? String, "user")
        XCTAssertEqual(user["requested_core_type"] as? String, "Haswell")
        XCTAssertEqual((user["blas_core"] as? String)?.lowercased(), "haswell")

        let automatic = try doctor(coreType: nil)
        if let preferred = CPUFeatures.current.preferredCoreType {
            XCTAssertEqual(automatic["core_type_source"] as? String, "auto")
            XCTAssertEqual((automatic["blas_core"] as? String)?.lowercased(), preferred.lowercased())
        }
    }
}

final class BLASMissingLibraryTests: XCTestCase {
    /// With no loadable OpenBLAS, `tessera doctor` exits non-zero with one line that names the
    /// package to install, and `--version` says so instead of crashing.
    func testMissingLibraryGivesOneLineError() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("tessera")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            XCTFail("\(binary.path) not built: run `swift build -c release --build-tests` first")
            return
        }
        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["TESSERA_OPENBLAS_LIBRARY"] = "/nonexistent/libopenblas.so.0"
            process.environment = environment
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
        }
        let doctor = try run(["doctor", "--no-benchmark"])
        XCTAssertNotEqual(doctor.status, 0)
        let lines = doctor.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, doctor.stderr)
        XCTAssertTrue(doctor.stderr.contains("OpenBLAS not found"), doctor.stderr)
        XCTAssertTrue(doctor.stderr.contains("libopenblas0-pthread"), doctor.stderr)

        let version = try run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("tessera "), version.stdout)
        XCTAssertTrue(version.stdout.contains("OpenBLAS not found"), version.stdout)
    }
}
