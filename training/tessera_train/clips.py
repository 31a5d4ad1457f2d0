"""Clip folders on disk: what `tessera generate` writes and what the evaluator reads.

A clip folder holds `frames/00001.png, 00002.png, ...` and `metadata.json` (at
least {"prompt": ...}). Video files (.mp4, .webm, .gif) are decoded with the
ffmpeg command-line tool into raw RGB24; a sidecar `NAME.json` gives their prompt.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

VIDEO_SUFFIXES = (".mp4", ".webm", ".gif", ".mov", ".mkv")


def write_clip(folder: Path, frames: np.ndarray, metadata: dict) -> None:
    """Write (F, H, W, 3) uint8 frames as PNGs plus metadata.json; the folder appears complete or not at all."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", suffix=".tmp", dir=folder.parent))
    (tmp / "frames").mkdir()
    for i, frame in enumerate(frames, start=1):
        Image.fromarray(frame).save(tmp / "frames" / f"{i:05d}.png")
    (tmp / "metadata.json").write_text(json.dumps(metadata, indent=2))
    if folder.exists():
        raise FileExistsError(f"{folder} exists: remove it or choose another output folder")
    os.rename(tmp, folder)


def _frame_number(path: Path) -> int:
    m = re.findall(r"\d+", path.stem)
    return int(m[-1]) if m else -1


def read_frames_folder(folder: Path) -> np.ndarray:
    pngs = sorted(Path(folder).glob("*.png"), key=_frame_number)
    if not pngs:
        raise FileNotFoundError(f"{folder}: no PNG frames")
    return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs])


def read_video(path: Path) -> np.ndarray:
    """Decode any video ffmpeg reads into (F, H, W, 3) uint8."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "json", str(path)], capture_output=True, text=True)
    if probe.returncode:
        raise ValueError(f"{path}: ffprobe cannot read it: {probe.stderr.strip()}")
    stream = json.loads(probe.stdout)["streams"][0]
    W, H = int(stream["width"]), int(stream["height"])
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True)
    if raw.returncode:
        raise ValueError(f"{path}: ffmpeg cannot decode it: {raw.stderr.decode().strip()}")
    return np.frombuffer(raw.stdout, dtype=np.uint8).reshape(-1, H, W, 3)


def read_clip(path: Path) -> tuple[np.ndarray, dict]:
    """Frames and metadata of a clip folder or a video file."""
    path = Path(path)
    if path.is_dir():
        meta_path = path / "metadata.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        frames_dir = path / "frames" if (path / "frames").is_dir() else path
        return read_frames_folder(frames_dir), meta
    if path.suffix.lower() in VIDEO_SUFFIXES:
        side = path.with_suffix(".json")
        meta = json.loads(side.read_text()) if side.exists() else {}
        return read_video(path), meta
    raise ValueError(f"{path}: not a clip folder or a video file")


def find_clips(root: Path) -> list[Path]:
    """Clip folders (with frames/ or metadata.json) and video files under root, sorted."""
    root = Path(root)
    out = []
    for p in sorted(root.iterdir()):
        if p.is_dir() and ((p / "frames").is_dir() or (p / "metadata.json").exists()):
            out.append(p)
        elif p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES:
            out.append(p)
    return out
