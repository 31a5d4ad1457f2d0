"""Renderer of the Shapes World: scenes to pixels, batched over clips, in torch.

Trajectories (centre, radius, angle per frame) are a few numbers per object and
are computed in float64 numpy; the pixels are computed for a whole batch of
clips at once on any torch device. Edges are anti-aliased by coverage: each
shape has an exact signed distance (in pixels, at the pixel centre) and the
coverage of a pixel is clamp(0.5 - distance, 0, 1), so interiors are exactly the
palette colour and a one-pixel ramp blends each edge with what lies behind it.

Output: uint8 (B, F, H, W, 3) for files and tests, or float in [-1, 1]
(B, 3, F, H, W) for training (diffusers' video layout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from . import spec
from .scene import Scene, WorldObject

# MARK: - Trajectories


def bounce_height(t: np.ndarray) -> np.ndarray:
    """Height of the lowest point above the floor line (fractions of H) of a bouncing object."""
    g, e = spec.GRAVITY, spec.RESTITUTION
    v_hit = math.sqrt(2 * g * spec.BOUNCE_DROP)
    out = np.zeros_like(t, dtype=np.float64)
    t_hit = v_hit / g
    first = t < t_hit
    out[first] = spec.BOUNCE_DROP - 0.5 * g * t[first] ** 2
    start, v = t_hit, v_hit * e
    while True:
        end = start + 2 * v / g
        seg = (t >= start) & (t < end)
        tau = t[seg] - start
        out[seg] = v * tau - 0.5 * g * tau**2
        if not (t >= end).any() or v < 1e-6:
            break
        start, v = end, v * e
    return np.maximum(out, 0.0)


@dataclass
class Track:
    """Per-frame centre (px), circumscribed radius (px) and angle (rad, CCW on screen)."""

    cx: np.ndarray
    cy: np.ndarray
    radius: np.ndarray
    angle: np.ndarray


def object_track(obj: WorldObject, scene: Scene) -> Track:
    W, H = scene.width, scene.height
    t = np.arange(scene.frames, dtype=np.float64) / scene.fps
    floor = spec.FLOOR[scene.background]
    r0 = obj.diameter * min(W, H) / 2
    ramp = np.minimum(t, spec.GROW_TIME) / spec.GROW_TIME
    radius = np.full_like(t, r0)
    if obj.motion == "grow":
        radius = r0 * (1 + ramp)
    elif obj.motion == "shrink":
        radius = r0 * (1 - 0.5 * ramp)
    x = np.full_like(t, obj.x0)
    y = np.full_like(t, obj.y0)
    angle = np.zeros_like(t)
    m = obj.motion
    if m == "left":
        x = obj.x0 - spec.LINEAR_SPEED * t
    elif m == "right":
        x = obj.x0 + spec.LINEAR_SPEED * t
    elif m == "up":
        y = obj.y0 - spec.LINEAR_SPEED * t
    elif m == "down":
        y = obj.y0 + spec.LINEAR_SPEED * t
    elif m == "bounce":
        y = floor - r0 / H - bounce_height(t)
    elif m == "fall":
        y = np.minimum(obj.y0 + 0.5 * spec.GRAVITY * t**2, floor - r0 / H)
    elif m == "spin":
        angle = spec.SPIN_RATE * t
    elif m == "orbit":
        R = spec.ORBIT_RADIUS * min(W, H)
        phase = obj.orbit_phase + spec.ORBIT_RATE * t
        x = obj.orbit_cx + R * np.cos(phase) / W
        y = obj.orbit_cy - R * np.sin(phase) / H
    return Track(cx=x * W, cy=y * H, radius=radius, angle=angle)


# MARK: - Signed distances


def _polygon(points: list[tuple[float, float]]) -> torch.Tensor:
    return torch.tensor(points, dtype=torch.float32)  # (V, 2), y up, circumradius 1


def _regular(n: int, start_deg: float, radii: list[float]) -> list[tuple[float, float]]:
    pts = []
    k = len(radii)
    for i in range(n * k):
        a = math.radians(start_deg + 360.0 * i / (n * k))
        r = radii[i % k]
        pts.append((r * math.cos(a), r * math.sin(a)))
    return pts


UNIT_POLYGONS = {
    "square": _polygon(_regular(4, 45.0, [1.0])),
    "triangle": _polygon(_regular(3, 90.0, [1.0])),
    "star": _polygon(_regular(5, 90.0, [1.0, spec.STAR_INNER_RATIO])),
}


def polygon_sdf(u: torch.Tensor, v: torch.Tensor, poly: torch.Tensor) -> torch.Tensor:
    """Exact signed distance (negative inside) from points (u, v) to a closed polygon (V, 2).

    After Inigo Quilez's sdPolygon: distance to the nearest edge, sign by crossing count.
    """
    n = poly.shape[0]
    d = (u - poly[0, 0]) ** 2 + (v - poly[0, 1]) ** 2
    inside = torch.zeros_like(u, dtype=torch.bool)
    for i in range(n):
        j = i - 1
        vix, viy = float(poly[i, 0]), float(poly[i, 1])
        ex, ey = float(poly[j, 0]) - vix, float(poly[j, 1]) - viy
        wx, wy = u - vix, v - viy
        h = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0)
        bx, by = wx - ex * h, wy - ey * h
        d = torch.minimum(d, bx * bx + by * by)
        c1 = v >= viy
        c2 = v < float(poly[j, 1])
        c3 = ex * wy > ey * wx
        flip = (c1 & c2 & c3) | (~c1 & ~c2 & ~c3)
        inside = inside ^ flip
    dist = d.sqrt()
    return torch.where(inside, -dist, dist)


def coverage(shape: str, px: torch.Tensor, py: torch.Tensor, cx, cy, radius, angle) -> torch.Tensor:
    """Coverage in [0, 1] of pixel centres (px, py) by shapes centred at (cx, cy).

    px: (1, 1, 1, W), py: (1, 1, H, 1); cx, cy, radius, angle: (N, F, 1, 1) -> (N, F, H, W).
    """
    u = (px - cx) / radius                      # (N, F, H, W), local units of the circumradius
    v = (cy - py) / radius                      # y up
    if shape == "circle":
        sd = (u * u + v * v).sqrt() - 1.0
    else:
        cos, sin = torch.cos(angle), torch.sin(angle)
        ur = u * cos + v * sin                  # rotate the points by -angle
        vr = -u * sin + v * cos
        sd = polygon_sdf(ur, vr, UNIT_POLYGONS[shape])
    return (0.5 - sd * radius).clamp(0.0, 1.0)  # signed distance in pixels -> coverage


# MARK: - Backgrounds


def background_image(name: str, width: int, height: int, device="cpu") -> torch.Tensor:
    """The background without stars, float RGB (H, W, 3) in 0...255."""
    y = (torch.arange(height, dtype=torch.float32, device=device) + 0.5) / height  # row centres
    img = torch.empty(height, width, 3, device=device)
    if name == "gray studio":
        img[:] = torch.tensor(spec.GRAY, dtype=torch.float32)
    elif name == "night sky":
        img[:] = torch.tensor(spec.NIGHT, dtype=torch.float32)
    else:
        if name == "grass field":
            top = torch.tensor(spec.GRASS_SKY_TOP, dtype=torch.float32, device=device)
            hor = torch.tensor(spec.GRASS_SKY_HORIZON, dtype=torch.float32, device=device)
            ground = torch.tensor(spec.GRASS_GROUND, dtype=torch.float32, device=device)
            f = (y / spec.HORIZON).clamp(0, 1)[:, None]
            sky = top * (1 - f) + hor * f                               # (H, 3)
        elif name == "desert":
            sky = torch.tensor(spec.DESERT_SKY, dtype=torch.float32, device=device).expand(height, 3)
            ground = torch.tensor(spec.DESERT_SAND, dtype=torch.float32, device=device)
        else:
            raise ValueError(f"unknown background {name!r}")
        # Fraction of each row above the horizon line, so the horizon is anti-aliased too.
        top_edge = torch.arange(height, dtype=torch.float32, device=device)
        sky_frac = (spec.HORIZON * height - top_edge).clamp(0, 1)[:, None]  # (H, 1)
        row = sky * sky_frac + ground * (1 - sky_frac)                       # (H, 3)
        img[:] = row[:, None, :]
    return img


# MARK: - Rendering


def render(scenes: list[Scene], device="cpu", output: str = "uint8", chunk: int = 16,
           frame_indices: list[int] | None = None) -> torch.Tensor:
    """Render clips of one size: uint8 (B, F, H, W, 3) or, with output="float", (B, 3, F, H, W) in [-1, 1].

    `frame_indices` renders only those frames of every clip (image training draws single frames).
    """
    if not scenes:
        raise ValueError("no scenes to render")
    W, H, F = scenes[0].width, scenes[0].height, scenes[0].frames
    if any((s.width, s.height, s.frames) != (W, H, F) for s in scenes):
        raise ValueError("all scenes of a batch need the same width, height and frames")
    parts = []
    for i in range(0, len(scenes), chunk):
        parts.append(_render_chunk(scenes[i : i + chunk], torch.device(device), output, frame_indices))
    return torch.cat(parts)


def _render_chunk(scenes: list[Scene], device: torch.device, output: str, frame_indices) -> torch.Tensor:
    W, H = scenes[0].width, scenes[0].height
    keep = np.arange(scenes[0].frames) if frame_indices is None else np.asarray(frame_indices)
    F = len(keep)
    B = len(scenes)
    bgs = {name: background_image(name, W, H, device) for name in {s.background for s in scenes}}
    img = torch.stack([bgs[s.background] for s in scenes])  # (B, H, W, 3)
    s_side = spec.star_side(W, H)
    for b, s in enumerate(scenes):
        for x, y in s.stars:
            img[b, y : y + s_side, x : x + s_side] = torch.tensor(spec.STAR_COLOR, dtype=torch.float32)
    img = img[:, None].expand(B, F, H, W, 3).clone()         # (B, F, H, W, 3)
    px = (torch.arange(W, dtype=torch.float32, device=device) + 0.5).view(1, 1, 1, W)
    py = (torch.arange(H, dtype=torch.float32, device=device) + 0.5).view(1, 1, H, 1)
    for slot in range(2):                                     # drawn in the order named
        clips = [b for b, s in enumerate(scenes) if len(s.objects) > slot]
        for shape in spec.SHAPES:
            idx = [b for b in clips if scenes[b].objects[slot].shape == shape]
            if not idx:
                continue
            objs = [scenes[b].objects[slot] for b in idx]
            tracks = [object_track(o, scenes[b]) for o, b in zip(objs, idx)]

            def param(name):
                arr = np.stack([getattr(t, name)[keep] for t in tracks]).astype(np.float32)
                return torch.from_numpy(arr).to(device).view(len(idx), F, 1, 1)  # (N, F, 1, 1)

            cov = coverage(shape, px, py, param("cx"), param("cy"), param("radius"), param("angle"))
            cov = cov[..., None]                                                  # (N, F, H, W, 1)
            col = torch.tensor([spec.COLORS[o.color] for o in objs], dtype=torch.float32, device=device)
            col = col.view(len(idx), 1, 1, 1, 3)
            sel = torch.tensor(idx, device=device)
            img[sel] = img[sel] * (1 - cov) + col * cov
    if output == "uint8":
        return img.round().clamp(0, 255).to(torch.uint8)
    if output == "float":
        return (img.round().clamp(0, 255) / 127.5 - 1.0).permute(0, 4, 1, 2, 3).contiguous()        # (B, 3, F, H, W)
    raise ValueError(f"unknown output {output!r}: use uint8 or float")
