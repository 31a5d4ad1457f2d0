#!/usr/bin/env bash
# The CPU recipe: every stage of the default model on a CPU, resumable, in the background.
#
#   nice -n 19 bash training/recipes/cpu.sh [RUN]        (RUN defaults to ~/tessera-runs/cpu-v1)
#
# Each stage writes RUN/<stage>/checkpoint.pt every few steps and RUN/<stage>/done when
# finished; running the script again resumes the unfinished stage and skips finished ones.
# Checkpoints stay outside the repository. The exported model lands in RUN/export/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-$HOME/tessera-runs/cpu-v1}
THREADS=${THREADS:-2}
export PYTHONPATH=$PWD OMP_NUM_THREADS=$THREADS
mkdir -p "$RUN"
stage() { local name=$1; shift; if [ ! -f "$RUN/$name/done" ]; then echo "== $name: $*"; "$@"; touch "$RUN/$name/done"; fi; }

# 1. VAE, image stage: single frames, 32x32 crops of 128x128 renders, three in four centred on
#    edges (objects). VAE_INIT may name an earlier image-stage checkpoint to continue from.
stage vae-image python -m tessera_train.vae --run "$RUN/vae-image" --preset cpu ${VAE_INIT:+--init "$VAE_INIT"} \
  --frames 1 --crop 32 --batch 16 --edge-crops 0.75 --steps ${VAE_IMAGE_STEPS:-20000} --lr 1e-4 \
  --max-minutes ${VAE_IMAGE_MINUTES:-30} --eval-every 2000 --eval-clips 1 --save-every 100 --threads $THREADS --resume
# 2. VAE, clip stage: full-length 33-frame clips, 32x32 crops, from the image stage's weights.
stage vae-clip python -m tessera_train.vae --run "$RUN/vae-clip" --init "$RUN/vae-image/checkpoint.pt" --frames 33 \
  --crop 32 --batch 2 --edge-crops 0.75 --steps ${VAE_CLIP_STEPS:-2000} --lr 1e-4 \
  --max-minutes ${VAE_CLIP_MINUTES:-20} --eval-every 500 --eval-clips 2 --save-every 20 --threads $THREADS --resume
# 3. Pool of pre-encoded 128x128x33 clips.
stage pool python -m tessera_train.dit pool --vae "$RUN/vae-clip/checkpoint.pt" --count ${POOL:-260} \
  --out "$RUN/pool/pool-128x128x33.pt" --threads $THREADS
# 4. Transformer on the pool.
stage dit python -m tessera_train.dit train --run "$RUN/dit" --pool "$RUN/pool/pool-128x128x33.pt" --preset cpu \
  --steps ${DIT_STEPS:-5000} --batch 8 --lr 3e-4 \
  --max-minutes ${DIT_MINUTES:-32} --save-every 25 --threads $THREADS --resume
# 5. Export (outside the repository; copy to models/ only after evaluation).
python -m tessera_train.export --vae "$RUN/vae-clip/checkpoint.pt" --transformer "$RUN/dit/checkpoint.pt" \
  --out "$RUN/export/tessera-shapes" --overwrite
