"""Render Shapes World clips to clip folders.

    python -m tessera_train.render -o OUT --count 16 --seed 0          # random scenes, seeded
    python -m tessera_train.render -o OUT --prompts eval/unseen_prompts.jsonl   # intended scenes
    python -m tessera_train.render --benchmark --count 64               # clips/s, nothing written
    python -m tessera_train.render --sheet docs/world.png --count 8     # contact sheet (+ prompts .txt)

Each clip goes to OUT/<index>-s<seed>/frames/00001.png ... with metadata.json
{"prompt", "seed", "scene", "width", "height", "frames", "fps"}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .clips import write_clip
from .world import spec
from .world.caption import caption
from .world.render import render
from .world.scene import sample_scene


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.render", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--out", type=Path)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0, help="seed of the first clip; clip i uses seed + i")
    ap.add_argument("--prompts", type=Path, help="JSONL of {prompt, scene}: render each intended scene")
    ap.add_argument("--width", type=int, default=spec.DEFAULT_WIDTH)
    ap.add_argument("--height", type=int, default=spec.DEFAULT_HEIGHT)
    ap.add_argument("--frames", type=int, default=spec.DEFAULT_FRAMES)
    ap.add_argument("--fps", type=int, default=spec.DEFAULT_FPS)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--benchmark", action="store_true", help="time rendering only, write nothing")
    ap.add_argument("--sheet", type=Path, help="also write a contact sheet PNG: one row per clip, every --every-th frame")
    ap.add_argument("--every", type=int, default=8)
    args = ap.parse_args(argv)
    size = dict(width=args.width, height=args.height, frames=args.frames, fps=args.fps)
    if args.prompts:
        items = [json.loads(line) for line in args.prompts.read_text().splitlines() if line.strip()]
        scenes = [sample_scene(args.seed + i, constraints=it["scene"], **size) for i, it in enumerate(items)]
        prompts = [it["prompt"] for it in items]
    else:
        scenes = [sample_scene(args.seed + i, **size) for i in range(args.count)]
        prompts = [caption(s) for s in scenes]
    if args.benchmark:
        render(scenes[: args.batch], args.device)          # warm-up
        start = time.perf_counter()
        for i in range(0, len(scenes), args.batch):
            render(scenes[i : i + args.batch], args.device)
        elapsed = time.perf_counter() - start
        print(f"{len(scenes)} clips {args.width}x{args.height}x{args.frames} on {args.device} "
              f"({torch.get_num_threads()} threads): {len(scenes) / elapsed:.1f} clips/s")
        return
    if args.sheet:
        video = render(scenes, args.device).cpu().numpy()                     # (B, F, H, W, 3)
        cols = list(range(0, args.frames, args.every))
        gap = 2
        H, W = args.height, args.width
        sheet = np.full((len(scenes) * (H + gap) - gap, len(cols) * (W + gap) - gap, 3), 255, dtype=np.uint8)
        for r, clip in enumerate(video):
            for c, f in enumerate(cols):
                sheet[r * (H + gap) : r * (H + gap) + H, c * (W + gap) : c * (W + gap) + W] = clip[f]
        Image.fromarray(sheet).save(args.sheet)
        args.sheet.with_suffix(".txt").write_text("".join(f"{p}\n" for p in prompts))
        print(f"wrote {args.sheet} (prompts in {args.sheet.with_suffix('.txt')})")
        if args.out is None:
            return
    if args.out is None:
        ap.error("-o/--out is required unless --benchmark or --sheet")
    for i in range(0, len(scenes), args.batch):
        batch = scenes[i : i + args.batch]
        video = render(batch, args.device).cpu().numpy()
        for j, (scene, clip) in enumerate(zip(batch, video)):
            k = i + j
            meta = {"prompt": prompts[k], "seed": scene.seed, "scene": scene.to_dict(), **size}
            write_clip(args.out / f"{k:05d}-s{scene.seed}", clip, meta)
    print(f"wrote {len(scenes)} clips to {args.out}")


if __name__ == "__main__":
    main()
