// The `tessera` command: parses arguments and calls the library. One file per subcommand;
// no model, kernel or media logic lives in this target.

import ArgumentParser
import Logging

@main
struct Tessera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Text-to-video generation on the CPU: prompt encoder, diffusion transformer, causal video autoencoder.",
        discussion: """
            Examples:
              tessera generate "a red ball bouncing on a grass field" --seed 42
              tessera batch prompts/examples.txt -o outputs/examples
              tessera inspect outputs/clip --contact-sheet sheet.png --columns 8
              tessera view clip.mp4 --play
              tessera diff a.mp4 b.mp4 --min-psnr 40
              tessera encode frames/ -o clip.mp4 --fps 16
              tessera frames clip.mp4 -o frames/ --range 0:8
              tessera embed "a red ball" --json
              tessera doctor
            Run `tessera help <command>` for the options and an example of each command.
            """,
        version: TesseraVersion.string,
        subcommands: [
            Generate.self,
            Batch.self,
            Encode.self,
            Frames.self,
            Inspect.self,
            Diff.self,
            View.self,
            Doctor.self,
            Embed.self,
        ]
    )
}
