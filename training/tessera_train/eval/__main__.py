"""Evaluate clips of the Shapes World by measuring their pixels.

    # the prompt sets: world prompts from the captioner (seeded) and the unseen phrasings
    python -m tessera_train.eval prompts --count 200 --seed 0 -o eval/world_prompts.jsonl
    # score clip folders (OUT/<clip>/frames/*.png + metadata.json, or videos + NAME.json)
    python -m tessera_train.eval score OUT --prompts eval/world_prompts.jsonl [--json report.json]

A clip is matched to its intended scene by the prompt in its metadata (or, with
no prompt there, by its "scene" entry). The report gives per-attribute and
all-correct rates for all clips, one-object and two-object prompts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..clips import find_clips, read_clip
from ..world.caption import caption
from ..world.scene import sample_scene
from .score import ATTRIBUTES, aggregate, score_clip


def world_prompts(count: int, seed: int) -> list[dict]:
    """`count` captioned world scenes, half with one object and half with two."""
    out = []
    for i in range(count):
        scene = sample_scene(seed + i, two_object_prob=float(i % 2))
        out.append({"prompt": caption(scene), "scene": scene.attributes(), "seed": seed + i})
    return out


def format_report(report: dict) -> str:
    lines = [f"{'set':<12}{'clips':>6}" + "".join(f"{a:>12}" for a in ATTRIBUTES)]
    for name, rates in report.items():
        if rates:
            lines.append(f"{name:<12}{rates['clips']:>6}" + "".join(f"{100 * rates[a]:>11.1f}%" for a in ATTRIBUTES))
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prompts", help="write a world prompt set (JSONL and a .txt beside it)")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--out", type=Path, required=True)
    s = sub.add_parser("score", help="score a folder of clips")
    s.add_argument("clips", type=Path)
    s.add_argument("--prompts", type=Path, action="append", default=[], help="JSONL of {prompt, scene}; repeatable")
    s.add_argument("--json", type=Path, help="write the full report (per clip too) here")
    s.add_argument("--fps", type=int, default=16)
    args = ap.parse_args(argv)

    if args.command == "prompts":
        items = world_prompts(args.count, args.seed)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(it) + "\n" for it in items))
        args.out.with_suffix(".txt").write_text("".join(it["prompt"] + "\n" for it in items))
        print(f"wrote {len(items)} prompts to {args.out} and {args.out.with_suffix('.txt')}")
        return

    intended = {}
    for path in args.prompts:
        for line in path.read_text().splitlines():
            if line.strip():
                it = json.loads(line)
                intended[it["prompt"].strip()] = it["scene"]
    results = []
    for clip in find_clips(args.clips):
        frames, meta = read_clip(clip)
        prompt = (meta.get("prompt") or "").strip()
        scene = intended.get(prompt)
        if scene is None and "scene" in meta:
            scene = {k: meta["scene"][k] for k in ("background", "objects")}
        if scene is None:
            print(f"skipping {clip}: its prompt {prompt!r} is in no --prompts file", file=sys.stderr)
            continue
        r = score_clip(frames, scene, fps=int(meta.get("fps", args.fps)))
        r.update(clip=str(clip), prompt=prompt)
        results.append(r)
    if not results:
        sys.exit(f"no clips scored under {args.clips}: give the prompt files with --prompts")
    report = aggregate(results)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps({"rates": report, "clips": results}, indent=1, default=str))


if __name__ == "__main__":
    main()
