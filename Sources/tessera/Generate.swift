// `tessera generate`: a prompt to a clip, its frames and metadata, through TesseraPipeline's
// TextToVideoJob. This file parses options and draws progress; the library does the rest.

import ArgumentParser
import Foundation
import TesseraJobs
import TesseraMedia
import TesseraPipeline
import TesseraSampling

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a video clip from a text prompt.",
        discussion: """
            Writes an output folder (default outputs/<date>-<time>-<prompt>-<seed>/) with clip.mp4 \
            (or .webm/.gif), frames/00001.png ... carrying the generation parameters in a \
            `parameters` text chunk, and metadata.json (settings, model name and sha256, Tessera \
            version, BLAS kernel, threads, seconds per stage, peak memory). The folder is written \
            under a temporary name and renamed when complete: an error, Ctrl-C or kill leaves \
            nothing that looks finished. Width and height must be multiples of 16 and frames 4k+1 \
            (checked before the model loads). With --guidance above 1, the negative prompt runs \
            in the same batched forward as the prompt (classifier-free guidance). A seed gives \
            the same clip on any machine and thread count; without --seed a random one is drawn \
            and recorded. With no --model, the default model models/tessera-shapes is used \
            (found next to the tessera checkout or under $TESSERA_HOME/models).

            Examples:
              tessera generate "a red ball bouncing on a blue floor" --seed 42
              tessera generate "a green square sliding left" --steps 20 --sampler euler --format gif -o outputs/square
              tessera generate "two circles orbiting" --negative "blurry" --guidance 6 --frames 17 --model models/tessera-shapes
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The prompt (or --prompt-file).")
    var prompt: String?

    @Option(name: .customLong("prompt-file"), help: "Render every prompt of a file (.txt, .jsonl, .yaml) with these options, as `tessera batch` does (-o is the batch's folder).")
    var promptFile: String?

    @Option(help: "Negative prompt (what guidance steers away from).")
    var negative: String = ""

    @Option(help: "Seed for the initial noise (default: random, recorded in metadata).")
    var seed: UInt64?

    @Option(help: "Sampling steps.")
    var steps: Int = GenerationRequest.defaultSteps

    @Option(help: "Classifier-free guidance scale (1 or less: no guidance).")
    var guidance: Double = GenerationRequest.defaultGuidance

    @Option(help: "Timestep shift (default: the model's scheduler config).")
    var shift: Double?

    @Option(help: "euler, unipc or dpm++ (default: the model's scheduler config).")
    var sampler: String?

    @Option(help: "Width in pixels, a multiple of 16.")
    var width: Int = GenerationRequest.defaultWidth

    @Option(help: "Height in pixels, a multiple of 16.")
    var height: Int = GenerationRequest.defaultHeight

    @Option(help: "Frames, 4k+1 (33 = about 2 s at 16 fps).")
    var frames: Int = GenerationRequest.defaultFrames

    @Option(help: "Frames per second of the video.")
    var fps: Int = GenerationRequest.defaultFPS

    @Option(help: "Model folder in diffusers' layout (default: models/tessera-shapes).")
    var model: String?

    @Option(name: .shortAndLong, help: "Output folder (default: outputs/<date>-<time>-<prompt>-<seed>).")
    var output: String?

    @Option(help: "mp4, webm or gif.")
    var format: String = "mp4"

    @Option(help: "Video quality, lower is better (H.264 0-51, default 18; VP9 0-63, default 24).")
    var crf: Int?

    @Flag(name: .customLong("no-frames"), help: "Write the video and metadata only, no PNG frames.")
    var noFrames = false

    @Flag(help: "Replace the output folder if it exists.")
    var overwrite = false

    @Option(help: "Initial latents from a safetensors file (tensor 'noise'), instead of the seed.")
    var noise: String?

    @Option(name: .customLong("text-encoder"), help: "Prompt encoder folder (default: $TESSERA_HOME/text-encoders/all-MiniLM-L6-v2).")
    var textEncoder: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the output folder.")
    var quiet = false

    @Flag(help: "Keep every step's predicted clean latents in trace.safetensors (see `tessera inspect OUTDIR --steps`).")
    var trace = false

    @Flag(name: .customLong("save-latents"), help: "Write the final latents to latents.safetensors.")
    var saveLatents = false

    func run() throws {
        try global.apply()
        guard let videoFormat = VideoFormat(rawValue: format.lowercased()) else { throw MediaError.unknownFormat(format) }
        if let promptFile {
            try runPromptFile(promptFile, format: videoFormat)
            return
        }
        guard let prompt else { throw ValidationError("Give a prompt, or --prompt-file FILE.") }
        let request = GenerationRequest(
            prompt: prompt, negativePrompt: negative, seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)),
            steps: steps, guidance: guidance, shift: shift, sampler: try sampler.map { try Sampler(name: $0) },
            width: width, height: height, frames: frames, fps: fps)
        var job = TextToVideoJob(
            request: request, model: model.map { URL(fileURLWithPath: $0) }, output: output.map { URL(fileURLWithPath: $0) },
            overwrite: overwrite, options: ClipOutputOptions(format: videoFormat, writeFrames: !noFrames, crf: crf),
            noiseFile: noise.map { URL(fileURLWithPath: $0) },
            textEncoderDirectory: textEncoder.map { URL(fileURLWithPath: $0) }, software: "tessera \(TesseraVersion.number)")
        job.trace = trace
        job.saveLatents = saveLatents
        let cancellation = Cancellation.shared
        cancellation.installSignalHandlers()
        let display = ProgressDisplay(enabled: !quiet)
        do {
            let result = try job.run(cancellation: cancellation, progress: display.report, warn: display.warn)
            display.finish()
            let m = result.metadata
            if !quiet {
                let total = m.seconds["total"].map { String(format: "%.1f s", $0) } ?? "?"
                display.line("done in \(total): \(m.frames) frames \(m.width)x\(m.height), seed \(m.seed), "
                             + "\(m.sampler) \(m.steps) steps, peak memory \(MemoryEstimate.format(m.peakMemoryBytes))")
            }
            print(result.folder.path)
        } catch let error as PipelineError {
            display.finish()
            if case .cancelled = error {
                FileHandle.standardError.write(Data("tessera: \(error)\n".utf8))
                throw ExitCode(128 + (cancellation.signal ?? 2))
            }
            throw error
        }
    }
}

// MARK: - Prompt files

extension Generate {
    /// `--prompt-file`: every prompt of the file with this command's options as defaults,
    /// seeds derived from --seed (else 0) as `tessera batch` derives them.
    func runPromptFile(_ path: String, format: VideoFormat) throws {
        guard prompt == nil else { throw ValidationError("Give a prompt or --prompt-file, not both.") }
        guard noise == nil else { throw ValidationError("--noise applies to one clip; it cannot be used with --prompt-file.") }
        let template = GenerationRequest(
            prompt: "", negativePrompt: negative, steps: steps, guidance: guidance, shift: shift,
            sampler: try sampler.map { try Sampler(name: $0) }, width: width, height: height, frames: frames, fps: fps)
        let url = URL(fileURLWithPath: path)
        let job = try JobFile(url: url, baseSeed: seed, template: template, format: format)
        let options = BatchOptions(
            out: URL(fileURLWithPath: output ?? "outputs/" + url.deletingPathExtension().lastPathComponent),
            model: model.map { URL(fileURLWithPath: $0) }, textEncoderDirectory: textEncoder.map { URL(fileURLWithPath: $0) },
            force: overwrite, writeFrames: !noFrames, crf: crf, software: "tessera \(TesseraVersion.number)")
        try Batch.render(job: job, options: options, quiet: quiet)
    }
}

// MARK: - ProgressDisplay

/// Progress on standard error: one live line redrawn in place on a terminal, plain lines
/// otherwise (every step and every stage end), nothing when disabled.
final class ProgressDisplay {
    let enabled: Bool
    let live: Bool
    private var lastStage: ProgressEvent.Stage?
    private var lastEvent: ProgressEvent?
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled
        live = isatty(STDERR_FILENO) != 0
    }

    func report(_ event: ProgressEvent) -> Bool {
        guard enabled else { return true }
        if let lastStage, lastStage != event.stage, let lastEvent { endStage(lastEvent) }
        lastStage = event.stage
        lastEvent = event
        let text = describe(event)
        if live {
            write("\r\u{1B}[2K" + text)
            drawn = true
        } else if event.completed > 0, event.stage == .denoise || event.completed == event.total {
            write(text + "\n")
        }
        return true
    }

    func warn(_ message: String) {
        clearLive()
        write("warning: \(message)\n")
    }

    func line(_ text: String) {
        clearLive()
        write(text + "\n")
    }

    func finish() {
        if let lastEvent, live, enabled { endStage(lastEvent) }
        lastEvent = nil
        clearLive()
    }

    private func endStage(_ event: ProgressEvent) {
        if live {
            write("\r\u{1B}[2K" + String(format: "%@ %d/%d in %.1f s\n", label(event.stage), event.completed, event.total, event.elapsed))
            drawn = false
        }
    }

    private func clearLive() {
        if live, drawn {
            write("\r\u{1B}[2K")
            drawn = false
        }
    }

    private func label(_ stage: ProgressEvent.Stage) -> String {
        switch stage {
        case .load: return "loading"
        case .encodePrompt: return "encoding prompt"
        case .denoise: return "denoising"
        case .decode: return "decoding"
        case .write: return "writing"
        }
    }

    private func describe(_ e: ProgressEvent) -> String {
        var text = "\(label(e.stage)) \(e.completed)/\(e.total)"
        if e.stage == .denoise, e.completed > 0 {
            text += e.rate >= 1 ? String(format: "  %.2f it/s", e.rate) : String(format: "  %.2f s/it", 1 / e.rate)
        }
        if let remaining = e.remaining, e.completed < e.total { text += String(format: "  ETA %.0f s", remaining) }
        return text
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
