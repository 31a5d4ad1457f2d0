"""Scenes of the Shapes World: what a clip shows, drawn from a seed.

A `Scene` is the structured description shared by the renderer (which draws it),
the captioner (which names it) and the evaluator (which checks a generated clip
against it). `sample_scene(seed, ...)` fixes everything random in a clip from its
seed: the attributes not given as constraints, the start positions and the stars.

Where the spec's constraints cannot all hold (a `down` or `up` object on a grass
field or desert travels 0.6 H in 2 s but has only 0.72 H - d above the floor
line), the object stays inside the frame and starts as high as it can, so it
crosses the floor line as little as possible; an object whose straight path is
longer than the frame (clips longer than about 3 s) starts at the edge it moves
away from and leaves the frame late in the clip. Two objects never start
overlapping (the spec); beyond that the sampler prefers positions whose whole
paths keep apart, so that no object hides the other, and only falls back to
start-only separation when 100 draws find none.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from . import spec


@dataclass
class WorldObject:
    """One object: its attributes and where its motion starts (normalised units)."""

    color: str
    shape: str
    size: str
    motion: str
    x0: float = 0.5          # centre at t = 0, as a fraction of W
    y0: float = 0.5          # centre at t = 0, as a fraction of H
    orbit_cx: float = 0.0    # orbit centre (fractions of W, H) and start phase (rad)
    orbit_cy: float = 0.0
    orbit_phase: float = 0.0

    @property
    def diameter(self) -> float:
        return spec.SIZES[self.size]


@dataclass
class Scene:
    """A clip's content: background, one or two objects (drawn in order), stars."""

    background: str
    objects: list[WorldObject]
    width: int = spec.DEFAULT_WIDTH
    height: int = spec.DEFAULT_HEIGHT
    frames: int = spec.DEFAULT_FRAMES
    fps: int = spec.DEFAULT_FPS
    seed: int = 0
    stars: list[tuple[int, int]] = field(default_factory=list)  # top-left (x, y) pixels

    @property
    def duration(self) -> float:
        return (self.frames - 1) / self.fps

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["stars"] = [list(s) for s in self.stars]
        return d

    @staticmethod
    def from_dict(d: dict) -> "Scene":
        objs = [WorldObject(**o) for o in d["objects"]]
        rest = {k: v for k, v in d.items() if k not in ("objects", "stars")}
        return Scene(objects=objs, stars=[tuple(s) for s in d.get("stars", [])], **rest)

    def attributes(self) -> dict:
        """The intended scene without positions: what a caption says and the evaluator checks."""
        return {
            "background": self.background,
            "objects": [{"color": o.color, "shape": o.shape, "size": o.size, "motion": o.motion} for o in self.objects],
        }


# MARK: - Sampling


def _max_radius(obj: WorldObject, width: int, height: int, duration: float) -> float:
    """Largest circumscribed radius over the clip, in pixels."""
    r = obj.diameter * min(width, height) / 2
    if obj.motion == "grow":
        r *= 1 + min(duration, spec.GROW_TIME) / spec.GROW_TIME
    return r


def _axis_start(rng, r: float, v: float, duration: float, floor: float) -> float:
    """Start coordinate on one axis (fraction) for a constant velocity v (fraction/s)."""
    travel = v * duration
    lo, hi = r + max(0.0, -travel), floor - r - max(0.0, travel)
    if lo <= hi:
        return float(rng.uniform(lo, hi))
    lo_f, hi_f = r + max(0.0, -travel), 1.0 - r - max(0.0, travel)
    if lo_f <= hi_f:          # inside the frame, crossing the floor line as little as possible
        return lo_f
    return r if travel > 0 else 1.0 - r   # path longer than the frame: start at the edge


def _place(rng, obj: WorldObject, scene: Scene) -> None:
    W, H, T = scene.width, scene.height, scene.duration
    floor = spec.FLOOR[scene.background]
    r = _max_radius(obj, W, H, T)
    rx, ry = r / W, r / H
    m = obj.motion
    obj.x0 = _axis_start(rng, rx, 0.0, T, 1.0)
    obj.y0 = _axis_start(rng, ry, 0.0, T, floor)
    if m == "left":
        obj.x0 = _axis_start(rng, rx, -spec.LINEAR_SPEED, T, 1.0)
    elif m == "right":
        obj.x0 = _axis_start(rng, rx, spec.LINEAR_SPEED, T, 1.0)
    elif m == "up":
        obj.y0 = _axis_start(rng, ry, -spec.LINEAR_SPEED, T, floor)
    elif m == "down":
        obj.y0 = _axis_start(rng, ry, spec.LINEAR_SPEED, T, floor)
    elif m == "bounce":
        obj.y0 = floor - spec.BOUNCE_DROP - ry
    elif m == "fall":
        obj.y0 = spec.FALL_TOP + ry
    elif m == "orbit":
        R = spec.ORBIT_RADIUS * min(W, H)
        Rx, Ry = R / W, R / H
        obj.orbit_cx = float(rng.uniform(Rx + rx, 1 - Rx - rx))
        obj.orbit_cy = float(rng.uniform(Ry + ry, max(Ry + ry, floor - Ry - ry)))
        obj.orbit_phase = float(rng.uniform(0, 2 * math.pi))
        obj.x0 = obj.orbit_cx + Rx * math.cos(obj.orbit_phase)
        obj.y0 = obj.orbit_cy - Ry * math.sin(obj.orbit_phase)


def _overlap(a: WorldObject, b: WorldObject, W: int, H: int) -> bool:
    ra = a.diameter * min(W, H) / 2
    rb = b.diameter * min(W, H) / 2
    return math.hypot((a.x0 - b.x0) * W, (a.y0 - b.y0) * H) < ra + rb + 1.0


def _paths_overlap(scene: Scene) -> bool:
    from .render import object_track  # the renderer's trajectories, so both agree exactly

    ta, tb = (object_track(o, scene) for o in scene.objects)
    gap = np.hypot(ta.cx - tb.cx, ta.cy - tb.cy) - ta.radius - tb.radius
    return bool((gap < 1.0).any())


def _choice(rng, options):
    return options[int(rng.integers(len(options)))]


def _draw_object(rng, background: str, want: dict, taken: set[str]) -> WorldObject:
    colors = [c for c in spec.COLOR_NAMES if spec.allowed(c, background) and c not in taken]
    color = want.get("color") or _choice(rng, colors)
    shape = want.get("shape") or _choice(rng, spec.SHAPES)
    size = want.get("size") or _choice(rng, spec.SIZE_NAMES)
    motions = [m for m in spec.MOTIONS if spec.allowed_motion(shape, m)]
    motion = want.get("motion") or _choice(rng, motions)
    return WorldObject(color=color, shape=shape, size=size, motion=motion)


def validate_attributes(background: str, objects: list[dict]) -> None:
    """Raise ValueError for a scene the world never renders."""
    if background not in spec.BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}: use one of {', '.join(spec.BACKGROUNDS)}")
    if not 1 <= len(objects) <= 2:
        raise ValueError(f"a scene has one or two objects, not {len(objects)}")
    for o in objects:
        for key, options in (("color", spec.COLOR_NAMES), ("shape", spec.SHAPES), ("size", spec.SIZE_NAMES), ("motion", spec.MOTIONS)):
            if o.get(key) is not None and o[key] not in options:
                raise ValueError(f"unknown {key} {o[key]!r}: use one of {', '.join(options)}")
        if o.get("color") and not spec.allowed(o["color"], background):
            raise ValueError(f"{o['color']} on {background} is never rendered (too little contrast)")
        if o.get("shape") and o.get("motion") and not spec.allowed_motion(o["shape"], o["motion"]):
            raise ValueError("a circle never spins")
    colors = [o.get("color") for o in objects if o.get("color")]
    if len(colors) != len(set(colors)):
        raise ValueError("two objects have different colours")


def sample_scene(
    seed: int,
    width: int = spec.DEFAULT_WIDTH,
    height: int = spec.DEFAULT_HEIGHT,
    frames: int = spec.DEFAULT_FRAMES,
    fps: int = spec.DEFAULT_FPS,
    constraints: dict | None = None,
    two_object_prob: float = 0.5,
) -> Scene:
    """Draw a scene from `seed`; `constraints` ({"background", "objects": [{...}]}) fixes attributes."""
    spec.check_size(width, height, frames)
    rng = np.random.default_rng([seed, 0x5CE7E])
    constraints = constraints or {}
    background = constraints.get("background") or _choice(rng, spec.BACKGROUNDS)
    wanted = constraints.get("objects")
    count = len(wanted) if wanted else (2 if rng.random() < two_object_prob else 1)
    wanted = list(wanted) if wanted else [{} for _ in range(count)]
    validate_attributes(background, wanted)
    scene = Scene(background=background, objects=[], width=width, height=height, frames=frames, fps=fps, seed=seed)
    taken = {w["color"] for w in wanted if w.get("color")}
    for want in wanted:
        obj = _draw_object(rng, background, want, taken)
        taken.add(obj.color)
        scene.objects.append(obj)
    # Positions: starts never overlap (the spec); paths that never overlap are preferred,
    # so that no object hides another, and kept unless 100 draws find none.
    fallback = None
    for attempt in range(300):
        for obj in scene.objects:
            _place(rng, obj, scene)
        if len(scene.objects) < 2:
            break
        a, b = scene.objects
        if _overlap(a, b, width, height):
            continue
        if attempt >= 100 or not _paths_overlap(scene):
            break
    else:
        raise ValueError(f"seed {seed}: found no non-overlapping start positions for {scene.attributes()}")
    s = spec.star_side(width, height)
    if background == "night sky":
        xs = rng.integers(0, width - s + 1, spec.STAR_COUNT)
        ys = rng.integers(0, height - s + 1, spec.STAR_COUNT)
        scene.stars = [(int(x), int(y)) for x, y in zip(xs, ys)]
    return scene
