#!/usr/bin/env bash
# Score the Swift CLI's clips: generate every prompt of a prompt set with `tessera generate`
# at default settings, then measure the pixels.
#
#   bash training/eval/run_swift_eval.sh [MODEL] [OUT]
#
# MODEL defaults to models/tessera-shapes, OUT to outputs/eval-<model name>. Writes
# OUT/world/<index>/..., OUT/unseen/<index>/..., and OUT/{world,unseen}.json (the reports
# that `python -m tessera_train.export --eval-world/--eval-unseen` puts in the model card).
# Clips already complete (metadata.json present) are kept, so an interrupted run resumes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL=${1:-$ROOT/models/tessera-shapes}
OUT=${2:-$ROOT/outputs/eval-$(basename "$MODEL")}
TESSERA=${TESSERA:-$ROOT/.build/release/tessera}
for set in world unseen; do
  i=0
  while IFS= read -r prompt; do
    i=$((i + 1)); dir=$(printf "%s/%s/%05d" "$OUT" "$set" "$i")
    [ -f "$dir/metadata.json" ] && continue
    "$TESSERA" generate "$prompt" --model "$MODEL" --seed "$i" -o "$dir" --overwrite --quiet
  done < "$ROOT/training/eval/${set}_prompts.txt"
  (cd "$ROOT/training" && python3 -m tessera_train.eval score "$OUT/$set" --prompts "eval/${set}_prompts.jsonl" \
    --json "$OUT/$set.json")
done
