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
              tessera encode outputs/demo/frames -o outputs/demo/clip.mp4 --fps 16
              tessera frames clip.mp4 -o frames/ --range 0:8
              tessera inspect clip.mp4 --contact-sheet sheet.png --columns 8
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
