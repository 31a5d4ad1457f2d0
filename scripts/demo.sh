#!/usr/bin/env bash
# `make demo`: renders prompts/examples.txt with the default model (models/tessera-shapes)
# through `tessera batch`, with a contact sheet per clip. Until that model ships, it shows
# the media path end to end instead:
#   1. synthesises a short moving-gradient clip as numbered PNG frames (FFmpeg's `gradients`
#      source, 33 frames of 256x256),
#   2. encodes them with `tessera encode` (H.264/MP4, and a GIF with a per-clip palette),
#   3. inspects the clip with `tessera inspect` and draws a contact sheet.
# Usage: scripts/demo.sh [BIN] [OUT]   (defaults: .build/release/tessera, outputs)
set -euo pipefail

BIN=${1:-.build/release/tessera}
OUT=${2:-outputs}
DIR="$OUT/demo"

if [ ! -x "$BIN" ]; then
  echo "demo: $BIN is not built; run \`make demo\` (or \`swift build -c release --product tessera\`)." >&2
  exit 1
fi
command -v ffmpeg >/dev/null || { echo "demo: ffmpeg is missing; run \`make setup\`." >&2; exit 1; }

MODEL=models/tessera-shapes
if [ -f "$MODEL/model_index.json" ]; then
  "$BIN" batch prompts/examples.txt -o "$OUT/examples" --model "$MODEL"
  for clip in "$OUT"/examples/*/; do
    "$BIN" inspect "$clip" --contact-sheet "$clip/sheet.png" --columns 11 --overwrite > /dev/null
  done
  echo "demo: clips, frames and contact sheets in $OUT/examples/ (gallery: $OUT/examples/index.html)"
  exit 0
fi
echo "demo: the default model ($MODEL) is not trained yet (see training/README.md);"
echo "demo: showing the media path on a synthetic clip instead."

mkdir -p "$DIR"
# Frames go to a fresh folder next to the final one, renamed when complete.
stage=$(mktemp -d "$DIR/.frames.tmp-XXXXXX")
trap 'rm -rf "$stage"' EXIT
ffmpeg -v error -f lavfi -i "gradients=s=256x256:r=16:n=4:speed=0.05:seed=7,format=rgb24" \
  -frames:v 33 "$stage/%05d.png"
rm -rf "$DIR/frames"
chmod 755 "$stage"
mv "$stage" "$DIR/frames"
trap - EXIT

"$BIN" encode "$DIR/frames" -o "$DIR/clip.mp4" --fps 16 --overwrite
"$BIN" encode "$DIR/frames" -o "$DIR/clip.gif" --fps 16 --overwrite
"$BIN" inspect "$DIR/clip.mp4" --contact-sheet "$DIR/sheet.png" --columns 11 --cell-width 128 --overwrite \
  > "$DIR/inspect.txt"
head -n 8 "$DIR/inspect.txt"

echo
echo "demo: clip          $DIR/clip.mp4 (also $DIR/clip.gif)"
echo "demo: contact sheet $DIR/sheet.png"
echo "demo: frames        $DIR/frames/ (33 PNGs), report in $DIR/inspect.txt"
