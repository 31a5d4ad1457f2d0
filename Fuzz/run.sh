#!/usr/bin/env bash
# Builds the libFuzzer target over the safetensors header parser and runs it.
#   bash Fuzz/run.sh [SECONDS]   (default 600)
# New interesting inputs go to .build-fuzz/corpus-work, crashes to .build-fuzz/artifacts/.
# See Fuzz/README.md for keeping what it finds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
swift build -c release --scratch-path .build-fuzz --product SafetensorsFuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSAFETENSORS_FUZZING \
    -Xlinker -u -Xlinker LLVMFuzzerRunDriver -Xlinker --export-dynamic-symbol=LLVMFuzzerRunDriver
mkdir -p .build-fuzz/corpus-work .build-fuzz/artifacts
SWIFT_BACKTRACE=enable=no nice -n 15 .build-fuzz/release/SafetensorsFuzzer \
    -dict=Fuzz/safetensors.dict -max_len=2048 -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=.build-fuzz/artifacts/ \
    .build-fuzz/corpus-work Fuzz/corpus
