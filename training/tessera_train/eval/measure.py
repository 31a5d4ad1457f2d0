"""Pixel measurements of a clip against the Shapes World: no learned judge.

For a clip (F, H, W, 3) uint8 and the scene it should show:
  background  the border band of every frame is compared with each background's
              reference image; the smallest median error wins.
  colours     every pixel takes the nearest of {the background's reference pixel,
              the 8 palette colours}; a colour is present in a frame when its mask,
              eroded by a 3x3 cross (which removes 1-2 px edge blends and stars),
              keeps at least a tenth of the smallest legitimate object's area.
  shape       per frame, on the largest connected component of the colour mask:
              fill = area / (pi R^2), R the circumscribed radius about the
              centroid; solidity = area / area of the convex hull of the pixel
              squares. star: solidity < 0.8; else circle (fill >= 0.8), square
              (fill >= 0.525), triangle. The clip's shape is the per-frame vote,
              weighted by area (small frames of a shrunk object say least).
  motion      from the tracks of the centroid, area and orientation (the phase of
              the n-fold angular moment, n = the shape's symmetry): orbit, grow,
              shrink, spin, bounce, fall, down, up, left, right or still.
  extra       any unnamed palette colour present in half of the frames or more,
              or a named colour split into two significant components.
  stable      every named object present in >= 90 % of the frames, with the same
              shape class in >= 70 % of them (weighted by area).
The thresholds sit halfway (geometrically for ratios) between the values that
the spec gives each class; tests check them on rendered ground truth and on
deliberately wrong scenes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from ..world import spec
from ..world.render import background_image

CROSS = ndimage.generate_binary_structure(2, 1)
EIGHT = ndimage.generate_binary_structure(2, 2)
PALETTE = np.array([spec.COLORS[c] for c in spec.COLOR_NAMES], dtype=np.float32)  # (8, 3)
SYMMETRY = {"square": 4, "triangle": 3, "star": 5}


# MARK: - Background


def measure_background(frames: np.ndarray) -> tuple[str, dict[str, float]]:
    """Name of the background whose reference best matches the border pixels, and all errors."""
    F, H, W, _ = frames.shape
    band = max(2, min(H, W) // 32)
    border = np.zeros((H, W), dtype=bool)
    border[:band] = border[-band:] = True
    border[:, :band] = border[:, -band:] = True
    pix = frames[:, border].astype(np.float32)                      # (F, N, 3)
    errors = {}
    for name in spec.BACKGROUNDS:
        ref = background_image(name, W, H).numpy()[border]          # (N, 3)
        errors[name] = float(np.median(np.abs(pix - ref[None]).sum(-1)))
    return min(errors, key=errors.get), errors


# MARK: - Colour masks


def label_pixels(frames: np.ndarray, background: str) -> np.ndarray:
    """Per pixel: -1 background, else the index of the nearest palette colour. (F, H, W) int8."""
    F, H, W, _ = frames.shape
    ref = background_image(background, W, H).numpy()                # (H, W, 3)
    x = frames.astype(np.float32)
    d_bg = ((x - ref[None]) ** 2).sum(-1)                           # (F, H, W)
    d_pal = ((x[..., None, :] - PALETTE) ** 2).sum(-1)              # (F, H, W, 8)
    nearest = d_pal.argmin(-1)
    d_near = np.take_along_axis(d_pal, nearest[..., None], -1)[..., 0]
    return np.where(d_near < d_bg, nearest, -1).astype(np.int8)


def min_object_area(width: int, height: int) -> float:
    """Area in px of the smallest object the world draws: a small triangle shrunk to half."""
    r = spec.SIZES["small"] * min(width, height) / 4
    return 3 * math.sqrt(3) / 4 * r * r


# MARK: - Shape


def _hull_area(mask: np.ndarray) -> float:
    """Area of the convex hull of the pixel squares of a mask (monotone chain)."""
    ys, xs = np.nonzero(mask)
    corners = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)])
    pts = np.unique(corners, axis=0)
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))].astype(np.float64)
    if len(pts) < 3:
        return float(mask.sum())

    def half(points):
        h = []
        for p in points:
            while len(h) >= 2 and (h[-1][0] - h[-2][0]) * (p[1] - h[-2][1]) - (h[-1][1] - h[-2][1]) * (p[0] - h[-2][0]) <= 0:
                h.pop()
            h.append(p)
        return h

    hull = np.array(half(pts)[:-1] + half(pts[::-1])[:-1])
    x, y = hull[:, 0], hull[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def classify_shape(fill: float, solidity: float) -> str:
    if solidity < 0.8:
        return "star"
    if fill >= 0.8:
        return "circle"
    if fill >= 0.525:
        return "square"
    return "triangle"


@dataclass
class FrameObject:
    area: float
    cx: float
    cy: float
    radius: float
    fill: float
    solidity: float
    shape: str
    touches_border: bool
    mask: np.ndarray = field(repr=False)


def measure_component(mask: np.ndarray) -> FrameObject:
    ys, xs = np.nonzero(mask)
    area = float(len(xs))
    cx, cy = xs.mean() + 0.5, ys.mean() + 0.5
    radius = float(np.sqrt(((xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2).max())) + 0.5
    fill = area / (math.pi * radius * radius)
    solidity = area / max(_hull_area(mask), 1.0)
    H, W = mask.shape
    touches = bool(xs.min() == 0 or ys.min() == 0 or xs.max() == W - 1 or ys.max() == H - 1)
    return FrameObject(area, cx, cy, radius, fill, solidity, classify_shape(fill, solidity), touches, mask)


def orientation(mask: np.ndarray, cx: float, cy: float, n: int) -> tuple[float, float]:
    """Orientation (rad, CCW on screen, modulo 2 pi / n) and its strength in [0, 1]."""
    ys, xs = np.nonzero(mask)
    dx, dy = xs + 0.5 - cx, -(ys + 0.5 - cy)
    r2 = dx * dx + dy * dy
    w = r2 * r2
    m = (w * np.exp(1j * n * np.arctan2(dy, dx))).sum()
    return float(np.angle(m) / n), float(abs(m) / max(w.sum(), 1e-9))


# MARK: - Motion


def classify_motion(t: np.ndarray, x: np.ndarray, y: np.ndarray, area: np.ndarray, angle: np.ndarray | None,
                    width: int, height: int) -> tuple[str, dict]:
    """Motion class from tracks (t in s; x, y fractions of W, H; area px; angle rad unwrapped or None)."""
    T = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    info: dict = {}
    if len(t) < 3 or T <= 0:
        return "unknown", info
    # Orbit: the track lies on a circle of about the orbit radius (least-squares circle fit)
    # and sweeps counter-clockwise around its centre.
    px, py = x * width, y * height
    A = np.stack([px, py, np.ones_like(px)], 1)
    (a, b, c), *_ = np.linalg.lstsq(A, px * px + py * py, rcond=None)
    mx, my = a / 2, b / 2
    fit_r = math.sqrt(max(c + mx * mx + my * my, 0.0))
    dist = np.hypot(px - mx, py - my)
    ang = np.unwrap(np.arctan2(-(py - my), px - mx))
    swept = float(ang[-1] - ang[0])
    radius = fit_r / (spec.ORBIT_RADIUS * min(width, height))
    roundness = float(np.abs(dist - fit_r).max() / max(fit_r, 1e-9))
    info.update(swept=swept, orbit_radius=radius, roundness=roundness)
    if swept >= 0.5 * spec.ORBIT_RATE * T and 0.5 <= radius <= 1.6 and roundness < 0.25:
        return "orbit", info
    # Grow / shrink: area at min(T, 2 s) against the start.
    te = min(T, spec.GROW_TIME)
    a0 = float(np.median(area[:3]))
    late = t - t[0] >= te - 0.15
    a1 = float(np.median(area[late])) if late.any() else float(area[-1])
    ratio = a1 / max(a0, 1e-9)
    grow_expect = (1 + te / spec.GROW_TIME) ** 2
    shrink_expect = (1 - 0.5 * te / spec.GROW_TIME) ** 2
    info["area_ratio"] = ratio
    if ratio >= math.sqrt(grow_expect):
        return "grow", info
    if ratio <= math.sqrt(shrink_expect):
        return "shrink", info
    dx, dy = float(x[-1] - x[0]), float(y[-1] - y[0])
    drift = float(np.hypot(x - x[0], y - y[0]).max())
    info.update(dx=dx, dy=dy, drift=drift)
    if angle is not None:
        rate = float(np.polyfit(t, angle, 1)[0])
        info["spin_rate"] = rate
        if rate >= 0.5 * spec.SPIN_RATE and drift < 0.05:
            return "spin", info
    # Vertical motions under gravity.
    fall_before = np.maximum.accumulate(y) - y          # rise (up on screen) since the lowest point so far
    descended = np.maximum.accumulate(y - y[0])
    if (fall_before >= 0.03).any() and descended[np.argmax(fall_before >= 0.03)] >= 0.05:
        return "bounce", info
    quarter = max(2, len(t) // 4)
    tail = float(np.abs(y[-quarter:] - y[-1]).max())
    travel = spec.LINEAR_SPEED * T
    info["tail"] = tail
    if dy >= 0.1 and tail < 0.03 and abs(dx) < 0.05:
        return "fall", info
    if abs(dy) >= 0.5 * travel and abs(dy) > 2 * abs(dx):
        return ("down" if dy > 0 else "up"), info
    if abs(dx) >= 0.5 * travel and abs(dx) > 2 * abs(dy):
        return ("right" if dx > 0 else "left"), info
    if drift < 0.03 and 0.7 <= ratio <= 1.4:
        return "still", info
    return "unknown", info
