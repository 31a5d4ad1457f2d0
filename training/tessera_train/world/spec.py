"""The Shapes World, version 1: every number of `shared/specs/world.md` in one place.

Nothing else in the package hard-codes a colour, a speed or a size: the renderer,
the captioner and the evaluator all read them from here.
"""

from __future__ import annotations

import math

# MARK: - Canvas and time

DEFAULT_WIDTH = 128
DEFAULT_HEIGHT = 128
DEFAULT_FRAMES = 33
DEFAULT_FPS = 16
MIN_SIDE, MAX_SIDE, SIDE_MULTIPLE = 64, 512, 16

# MARK: - Backgrounds

BACKGROUNDS = ("gray studio", "night sky", "grass field", "desert")
GRAY = (128, 128, 128)
NIGHT = (10, 14, 40)
STAR_COLOR = (255, 255, 255)
STAR_COUNT = 30
GRASS_SKY_TOP = (110, 170, 235)
GRASS_SKY_HORIZON = (190, 220, 245)
GRASS_GROUND = (70, 150, 60)
DESERT_SKY = (250, 215, 160)
DESERT_SAND = (215, 175, 110)
HORIZON = 0.72
FLOOR = {"gray studio": 1.0, "night sky": 1.0, "grass field": HORIZON, "desert": HORIZON}


def star_side(width: int, height: int) -> int:
    """Side of a star square in pixels: max(1, min(W, H) / 128)."""
    return max(1, min(width, height) // 128)


# MARK: - Objects

COLORS = {
    "red": (220, 35, 35),
    "orange": (255, 140, 0),
    "yellow": (250, 220, 30),
    "green": (40, 190, 60),
    "blue": (40, 90, 230),
    "purple": (150, 60, 210),
    "pink": (255, 120, 200),
    "white": (250, 250, 250),
}
COLOR_NAMES = tuple(COLORS)
FORBIDDEN_COLOR_BACKGROUND = {("green", "grass field"), ("yellow", "desert"), ("orange", "desert")}

SHAPES = ("circle", "square", "triangle", "star")
STAR_INNER_RATIO = 0.45
SIZES = {"small": 0.14, "medium": 0.20, "large": 0.28}
SIZE_NAMES = tuple(SIZES)
DEFAULT_SIZE = "medium"

# MARK: - Motions

MOTIONS = ("still", "left", "right", "up", "down", "bounce", "fall", "spin", "grow", "shrink", "orbit")
LINEAR_SPEED = 0.30          # W/s (left, right) or H/s (up, down)
GRAVITY = 3.0                # H/s^2
BOUNCE_DROP = 0.30           # lowest point starts this far above the floor line
RESTITUTION = 0.90
FALL_TOP = 0.05              # highest point of a falling object at t = 0
SPIN_RATE = math.pi          # rad/s, counter-clockwise on screen
GROW_TIME = 2.0              # s; grow d -> 2d, shrink d -> d/2, then hold
ORBIT_RADIUS = 0.15          # of min(W, H)
ORBIT_RATE = math.pi         # rad/s = 0.5 rev/s, counter-clockwise on screen


def allowed(color: str, background: str) -> bool:
    return (color, background) not in FORBIDDEN_COLOR_BACKGROUND


def allowed_motion(shape: str, motion: str) -> bool:
    return not (shape == "circle" and motion == "spin")


def check_size(width: int, height: int, frames: int) -> None:
    """Raise ValueError unless W, H are multiples of 16 in 64...512 and F = 4k + 1."""
    for name, side in (("width", width), ("height", height)):
        if side % SIDE_MULTIPLE or not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"{name} {side} is invalid: use a multiple of 16 between 64 and 512")
    if frames < 1 or (frames - 1) % 4:
        raise ValueError(f"frames {frames} is invalid: use 4k + 1 (1, 5, 9, ..., 33, ...)")
