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
# JOBS=N runs N clips side by side, each with cores/N threads (default: 1 clip, all cores).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL=${1:-$ROOT/models/tessera-shapes}
OUT=${2:-$ROOT/outputs/eval-$(basename "$MODEL")}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)        # the scorer runs from training/
TESSERA=${TESSERA:-$ROOT/.build/release/tessera}
JOBS=${JOBS:-1}
THREADS=$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 ))
export TESSERA MODEL THREADS
for set in world unseen; do
  # one line per clip still to make: index, then the prompt (seed = index)
  awk '{ print NR "\t" $0 }' "$ROOT/training/eval/${set}_prompts.txt" |
  while IFS=$'\t' read -r i prompt; do
    dir=$(printf "%s/%s/%05d" "$OUT" "$set" "$i")
    [ -f "$dir/metadata.json" ] || printf '%s\t%s\t%s\0' "$i" "$dir" "$prompt"
  done |
  xargs -0 -r -P "$JOBS" -n 1 bash -c 'IFS=$'"'"'\t'"'"' read -r i dir prompt <<< "$1"
    "$TESSERA" generate "$prompt" --threads "$THREADS" --model "$MODEL" --seed "$i" -o "$dir" --overwrite --quiet' _
  (cd "$ROOT/training" && python3 -m tessera_train.eval score "$OUT/$set" --prompts "eval/${set}_prompts.jsonl" \
    --json "$OUT/$set.json")
done
