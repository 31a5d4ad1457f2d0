"""Score clips against the scenes their prompts intend, and aggregate the rates.

`score_clip(frames, scene)` judges one clip (see measure.py for how each
attribute is measured); `aggregate(results)` turns many into per-attribute and
all-correct rates, reported for one-object and two-object prompts separately.

All-correct means: background, and for every named object its colour, shape and
motion, no extra objects, and stable over time. Size is measured and reported
but not part of all-correct (captions may leave it unsaid).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..world import spec
from . import measure as M

ATTRIBUTES = ("color", "shape", "motion", "size", "background", "no_extra", "stable", "all_correct")


def _size_name(diameter_fraction: float) -> str:
    return min(spec.SIZES, key=lambda s: abs(np.log(spec.SIZES[s] / max(diameter_fraction, 1e-6))))


def score_clip(frames: np.ndarray, scene: dict, fps: int = spec.DEFAULT_FPS) -> dict:
    """Judge one clip (F, H, W, 3) uint8 against {"background", "objects": [{color, shape, size, motion}]}."""
    F, H, W, _ = frames.shape
    background, bg_errors = M.measure_background(frames)
    labels = M.label_pixels(frames, background)                 # (F, H, W)
    a_min = M.min_object_area(W, H)
    t = np.arange(F) / fps
    named = [spec.COLOR_NAMES.index(o["color"]) for o in scene["objects"]]

    # Presence of each palette colour per frame, and how many significant blobs it forms.
    present = np.zeros((F, len(spec.COLOR_NAMES)), dtype=bool)
    blobs = np.zeros((F, len(spec.COLOR_NAMES)), dtype=int)
    for c in range(len(spec.COLOR_NAMES)):
        for f in range(F):
            mask = labels[f] == c
            if mask.sum() < a_min / 2:
                continue
            core = ndimage.binary_erosion(mask, CROSS_3)
            if core.sum() < max(1.0, a_min / 10):
                continue
            present[f, c] = True
            lab, n = ndimage.label(core, M.EIGHT)
            if n:
                sizes = ndimage.sum(core, lab, range(1, n + 1))
                blobs[f, c] = int((sizes >= max(1.0, a_min / 10)).sum())
    unnamed = [c for c in range(len(spec.COLOR_NAMES)) if c not in named]
    extra = any(present[:, c].mean() >= 0.5 for c in unnamed) or any((blobs[:, c] > 1).mean() >= 0.5 for c in named)

    objects = []
    for obj, c in zip(scene["objects"], named):
        objects.append(_score_object(obj, labels == c, present[:, c], t, W, H))
    result = {
        "background": background == scene["background"],
        "measured_background": background,
        "no_extra": not extra,
        "extra_colors": [spec.COLOR_NAMES[c] for c in unnamed if present[:, c].mean() >= 0.5],
        "stable": all(o["stable"] for o in objects),
        "objects": objects,
    }
    result["all_correct"] = bool(result["background"] and result["no_extra"] and result["stable"]
                                 and all(o["color"] and o["shape"] and o["motion"] for o in objects))
    return result


CROSS_3 = M.CROSS


def _score_object(obj: dict, masks: np.ndarray, present: np.ndarray, t: np.ndarray, W: int, H: int) -> dict:
    out = {"intended": obj, "color": bool(present.mean() >= 0.5), "shape": False, "motion": False,
           "size": False, "stable": False, "measured_shape": None, "measured_motion": None}
    if not out["color"]:
        return out
    frames = [f for f in range(len(t)) if present[f]]
    comps = []
    for f in frames:
        lab, n = ndimage.label(masks[f], M.EIGHT)
        sizes = ndimage.sum(masks[f], lab, range(1, n + 1))
        comps.append(M.measure_component(lab == (int(np.argmax(sizes)) + 1)))
    inner = [c for c in comps if not c.touches_border] or comps
    # Votes weighted by area: small frames (a shrunk or blurred object) say least about the shape.
    votes: dict[str, float] = {}
    for c in inner:
        votes[c.shape] = votes.get(c.shape, 0.0) + c.area
    shape = max(votes, key=votes.get)
    out["measured_shape"] = shape
    out["shape"] = shape == obj["shape"]
    out["fill"] = float(np.median([c.fill for c in inner]))
    out["solidity"] = float(np.median([c.solidity for c in inner]))
    # Tracks over the frames where the object is present.
    tt = t[frames]
    x = np.array([c.cx for c in comps]) / W
    y = np.array([c.cy for c in comps]) / H
    area = np.array([c.area for c in comps])
    angle = None
    if shape in M.SYMMETRY:
        n = M.SYMMETRY[shape]
        raw = np.array([M.orientation(c.mask, c.cx, c.cy, n)[0] for c in comps])
        angle = np.unwrap(raw * n) / n
    motion, info = M.classify_motion(tt, x, y, area, angle, W, H)
    out["measured_motion"] = motion
    out["motion"] = motion == obj["motion"]
    out["motion_info"] = {k: round(float(v), 4) for k, v in info.items()}
    d = 2 * comps[0].radius / min(W, H)
    out["measured_size"] = _size_name(d)
    out["size"] = out["measured_size"] == obj.get("size", spec.DEFAULT_SIZE)
    same = sum(c.area for c in comps if c.shape == shape) / sum(c.area for c in comps)
    out["stable"] = bool(present.mean() >= 0.9 and same >= 0.7)
    return out


# MARK: - Aggregation


def object_rates(results: list[dict]) -> dict:
    """Per-attribute rates: object attributes over objects, clip attributes over clips."""
    if not results:
        return {}
    objs = [o for r in results for o in r["objects"]]
    rates = {k: float(np.mean([o[k] for o in objs])) for k in ("color", "shape", "motion", "size")}
    for k in ("background", "no_extra", "stable", "all_correct"):
        rates[k] = float(np.mean([r[k] for r in results]))
    rates["clips"] = len(results)
    return rates


def aggregate(results: list[dict]) -> dict:
    """Rates over all clips, over one-object clips and over two-object clips."""
    return {
        "all": object_rates(results),
        "one_object": object_rates([r for r in results if len(r["objects"]) == 1]),
        "two_objects": object_rates([r for r in results if len(r["objects"]) == 2]),
    }
