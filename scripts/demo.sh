#!/usr/bin/env bash
# `make demo`: renders prompts/examples.txt with the default model (models/tessera-shapes)
# through `tessera batch`, then draws a contact sheet per clip and one overview picture.
# Usage: scripts/demo.sh [BIN] [OUT]   (defaults: .build/release/tessera, outputs)
set -euo pipefail

BIN=${1:-.build/release/tessera}
OUT=${2:-outputs}
DIR="$OUT/examples"

if [ ! -x "$BIN" ]; then
  echo "demo: $BIN is not built; run \`make demo\` (or \`swift build -c release --product tessera\`)." >&2
  exit 1
fi
if [ ! -f models/tessera-shapes/model_index.json ]; then
  echo "demo: models/tessera-shapes is missing; it ships with the repository (git checkout -- models/)." >&2
  exit 1
fi

# No --model: the default model is used. Complete clips are kept on a rerun.
"$BIN" batch prompts/examples.txt -o "$DIR"
for clip in "$DIR"/*/; do
  "$BIN" inspect "$clip" --contact-sheet "$clip/sheet.png" --every 4 --columns 9 --overwrite > /dev/null
done
echo
echo "demo: $(ls -d "$DIR"/*/ | wc -l) clips in $DIR/ (each: clip.mp4, frames/, sheet.png, metadata.json)"
echo "demo: gallery $DIR/index.html; play one in the terminal with: $BIN view $DIR/<clip>/clip.mp4 --play"
