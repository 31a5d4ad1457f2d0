// libFuzzer target over the safetensors header parser and validator.
//
// Every input is tried twice: as a whole safetensors file (`SafetensorsFile(bytes:)` must
// accept it or throw `SafetensorsError`; an accepted file is then read tensor by tensor so
// the typed-access paths run on fuzzed offsets) and as a bare JSON document for
// `StrictJSONParser`. Any trap, sanitizer report, or broken invariant is a finding.
//
// Fuzzing build (libFuzzer supplies `main`; the define drops the replay tool's `@main`):
//   swift build -c release --scratch-path .build-fuzz --product SafetensorsFuzzer \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSAFETENSORS_FUZZING
//   nice .build-fuzz/release/SafetensorsFuzzer -dict=Fuzz/safetensors.dict Fuzz/corpus-work Fuzz/corpus
// A plain build (CI) makes a replay tool instead: `SafetensorsFuzzer FILE|DIR...` runs the
// same checks over saved inputs and prints how many were accepted and rejected.

import Foundation
import TesseraWeights

#if SAFETENSORS_FUZZING

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = SafetensorsFuzzCheck.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// SwiftPM links an executable's `main` to the target's own entry point, so libFuzzer's
/// `main` never runs: this entry point starts libFuzzer through its C API instead.
@main
enum SafetensorsFuzzer {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    typealias RunDriver = @convention(c) (
        UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>, TestOneInput
    ) -> CInt

    static func main() {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") else {
            fatalError("LLVMFuzzerRunDriver not found: build with -Xswiftc -sanitize=fuzzer")
        }
        let runDriver = unsafeBitCast(symbol, to: RunDriver.self)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
/// Replays saved inputs (files or folders of them) through the fuzz check.
@main
enum SafetensorsReplay {
    static func main() {
        var accepted = 0, rejected = 0
        // --verdicts: one line per input, "accept PATH" or "reject PATH: reason" (for
        // Fuzz/differential.py, which compares them with the reference implementation).
        let verdicts = CommandLine.arguments.contains("--verdicts")
        for argument in CommandLine.arguments.dropFirst() where argument != "--verdicts" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("SafetensorsFuzzer: no such file or folder: \(argument)\n".utf8))
                exit(2)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
                : [argument]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                let ok = data.withUnsafeBytes { SafetensorsFuzzCheck.run($0) }
                if ok { accepted += 1 } else { rejected += 1 }
                if verdicts {
                    do {
                        _ = try SafetensorsFile(bytes: [UInt8](data), name: file)
                        print("accept \(file)")
                    } catch {
                        print("reject \(error)")
                    }
                }
            }
        }
        let summary = "SafetensorsFuzzer: \(accepted) accepted, \(rejected) rejected, no crash\n"
        if verdicts { FileHandle.standardError.write(Data(summary.utf8)) } else { print(summary, terminator: "") }
    }
}
#endif
