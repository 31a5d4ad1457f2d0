#!/usr/bin/env bash
# The README's picture of real outputs: `make demo`'s clips (prompts/examples.txt, default
# model, default settings), one contact sheet row each (frames 0, 4, ..., 32), stacked.
# Usage: scripts/readme_examples.sh [BIN]   (after `make demo`; writes docs/examples.png)
set -euo pipefail
BIN=${1:-.build/release/tessera}
sheets=(outputs/examples/*/sheet.png)
[ -f "${sheets[0]}" ] || { echo "readme_examples: no outputs/examples/*/sheet.png; run \`make demo\` first." >&2; exit 1; }
inputs=(); for s in "${sheets[@]}"; do inputs+=(-i "$s"); done
ffmpeg -v error -y "${inputs[@]}" -filter_complex "vstack=inputs=${#sheets[@]}" docs/examples.tmp.png
mv docs/examples.tmp.png docs/examples.png
echo "readme_examples: docs/examples.png from ${#sheets[@]} clips"
