"""The renderer's geometry and physics, measured on rendered frames."""

import math

import numpy as np
import pytest

from tessera_train.world import spec
from tessera_train.world.render import background_image, bounce_height, render
from tessera_train.world.scene import Scene, WorldObject, sample_scene


def one(shape="circle", motion="still", color="red", size="medium", bg="gray studio", W=128, H=128, F=33, **pos):
    obj = WorldObject(color=color, shape=shape, size=size, motion=motion, **pos)
    return Scene(background=bg, objects=[obj], width=W, height=H, frames=F)


def mask_of(frame, color):
    return np.all(frame == np.array(spec.COLORS[color], dtype=np.uint8), axis=-1)


def coverage_of(frame, color, bg="gray studio"):
    """Per-pixel coverage of a colour, read back from the blend with the background's reference image."""
    ref = background_image(bg, frame.shape[1], frame.shape[0]).numpy().astype(np.float64)
    col = np.array(spec.COLORS[color], dtype=np.float64)
    diff, span = frame.astype(np.float64) - ref, col - ref
    a = (diff * span).sum(-1) / np.maximum((span * span).sum(-1), 1e-9)
    off_line = np.abs(diff - a[..., None] * span).max(-1)          # stars and other objects are off the blend line
    return np.where(off_line < 3, a.clip(0, 1), 0.0)


def centroid(frame, color, bg="gray studio"):
    w = coverage_of(frame, color, bg)
    ys, xs = np.mgrid[: frame.shape[0], : frame.shape[1]]
    return (w * (xs + 0.5)).sum() / w.sum(), (w * (ys + 0.5)).sum() / w.sum()


def test_sizes_and_frame_rule():
    for bad in [(100, 128, 33), (128, 48, 33), (128, 528, 33), (128, 128, 32)]:
        with pytest.raises(ValueError):
            sample_scene(0, *bad)
    v = render([sample_scene(3, 192, 64, 9)])
    assert v.shape == (1, 9, 64, 192, 3) and v.dtype.__str__() == "torch.uint8"
    f = render([sample_scene(3, 64, 64, 5)], output="float")
    assert f.shape == (1, 3, 5, 64, 64) and f.min() >= -1 and f.max() <= 1


def test_seed_fixes_everything():
    a, b = sample_scene(42), sample_scene(42)
    assert a.to_dict() == b.to_dict()
    assert (render([a]) == render([b])).all()
    assert sample_scene(43).to_dict() != a.to_dict()


@pytest.mark.parametrize("shape,area_factor", [("circle", math.pi), ("square", 2.0),
                                                ("triangle", 3 * math.sqrt(3) / 4),
                                                ("star", 5 * spec.STAR_INNER_RATIO * math.sin(math.radians(36)))])
def test_shape_area_and_exact_palette(shape, area_factor):
    scene = one(shape, size="large", x0=0.5, y0=0.5, F=1)
    frame = render([scene])[0, 0].numpy()
    r = 0.28 * 128 / 2
    bg = np.array(spec.GRAY, dtype=np.float64)
    col = np.array(spec.COLORS["red"], dtype=np.float64)
    cov = ((frame - bg) @ (col - bg)) / ((col - bg) @ (col - bg))     # per-pixel coverage, from the blend
    assert abs(cov.sum() - area_factor * r * r) / (area_factor * r * r) < 0.01
    interior = mask_of(frame, "red").sum()
    assert interior > 0.8 * area_factor * r * r                         # the interior is the exact palette colour
    colours = {tuple(c) for c in np.unique(frame.reshape(-1, 3), axis=0).tolist()}
    assert {spec.GRAY, spec.COLORS["red"]} <= colours


def test_shapes_point_up_and_square_is_axis_aligned():
    tri = render([one("triangle", size="large", x0=0.5, y0=0.5, F=1)])[0, 0].numpy()
    ys, xs = np.nonzero(mask_of(tri, "red"))
    top_row = ys.min()
    assert abs(xs[ys == top_row].mean() + 0.5 - 64) < 1.5          # apex centred on top
    assert (ys == ys.max()).sum() > 10 * (ys == top_row).sum()       # flat base at the bottom
    sq = render([one("square", size="large", x0=0.5, y0=0.5, F=1)])[0, 0].numpy()
    ys, xs = np.nonzero(mask_of(sq, "red"))
    side = 0.28 * 128 / math.sqrt(2)
    assert abs((xs.max() - xs.min() + 1) - side) <= 2 and abs((ys.max() - ys.min() + 1) - side) <= 2
    assert (ys == ys.min()).sum() >= side - 2                        # a full top edge: axis-aligned


@pytest.mark.parametrize("motion,vx,vy", [("left", -0.3, 0), ("right", 0.3, 0), ("up", 0, -0.3), ("down", 0, 0.3)])
def test_linear_speeds(motion, vx, vy):
    scene = sample_scene(7, constraints={"background": "gray studio",
                                         "objects": [{"color": "blue", "shape": "circle", "size": "small", "motion": motion}]})
    v = render([scene])[0].numpy()
    (x0, y0), (x1, y1) = centroid(v[0], "blue"), centroid(v[-1], "blue")
    assert abs((x1 - x0) / 128 / 2.0 - vx) < 0.005 and abs((y1 - y0) / 128 / 2.0 - vy) < 0.005


def test_longer_clips_continue_and_other_sizes():
    s = sample_scene(5, 128, 64, 17, constraints={"background": "night sky", "objects": [
        {"color": "red", "shape": "square", "size": "small", "motion": "right"}]})
    v = render([s])[0].numpy()
    dx = (centroid(v[-1], "red", "night sky")[0] - centroid(v[0], "red", "night sky")[0]) / 128
    assert abs(dx - 0.3 * 1.0) < 0.01


def test_fall_and_bounce_physics():
    t = np.arange(200) / 100
    h = bounce_height(t)
    assert h[0] == pytest.approx(0.3) and h.min() >= 0
    t_hit = math.sqrt(2 * 0.3 / 3.0)
    assert h[int(t_hit * 100) + 1] < 0.01
    apex2 = h[(t > t_hit) & (t < 3 * t_hit)].max()
    assert apex2 == pytest.approx(0.3 * 0.81, rel=0.02)               # 90 % speed -> 81 % height
    # Rendered: a falling square stops with its lowest point on the grass floor line.
    s = sample_scene(11, constraints={"background": "grass field",
                                      "objects": [{"color": "red", "shape": "square", "size": "medium", "motion": "fall"}]})
    v = render([s])[0].numpy()
    ys, _ = np.nonzero(mask_of(v[0], "red"))
    side = 0.2 * 128 / math.sqrt(2)
    assert abs(ys.min() - (0.05 * 128 + (0.2 * 128 / 2 - side / 2))) <= 1.5   # circumscribed top at y = 0.05
    ys, _ = np.nonzero(mask_of(v[-1], "red"))
    assert abs(ys.max() + 1 - (0.72 * 128 - (0.2 * 128 / 2 - side / 2))) <= 1.5
    # y(t) = y0 + g t^2 / 2 while falling (frame 4: t = 0.25 s).
    c0, c4 = centroid(v[0], "red", "grass field")[1], centroid(v[4], "red", "grass field")[1]
    assert abs((c4 - c0) / 128 - 1.5 * 0.25**2) < 0.004


def test_spin_orbit_grow_shrink():
    s = one("square", "spin", x0=0.5, y0=0.5, F=9)
    v = render([s])[0].numpy()
    assert (np.abs(v[4].astype(int) - v[0].astype(int)) > 8).sum() > 50     # 45 deg at t = 0.25 s: changed
    assert (np.abs(v[8].astype(int) - v[0].astype(int)) > 8).sum() < 8      # 90 deg at t = 0.5 s: as at the start
    orb = sample_scene(9, constraints={"background": "gray studio", "objects": [
        {"color": "pink", "shape": "circle", "size": "small", "motion": "orbit"}]})
    v = render([orb])[0].numpy()
    pts = np.array([centroid(f, "pink") for f in v])
    cx, cy = orb.objects[0].orbit_cx * 128, orb.objects[0].orbit_cy * 128
    radii = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
    assert np.allclose(radii, 0.15 * 128, atol=0.3)
    a = np.unwrap(np.arctan2(-(pts[:, 1] - cy), pts[:, 0] - cx))
    assert (a[-1] - a[0]) == pytest.approx(2 * math.pi, abs=0.05)            # 0.5 rev/s CCW for 2 s
    for motion, factor in (("grow", 2.0), ("shrink", 0.5)):
        v = render([one("circle", motion, x0=0.5, y0=0.45, size="small")])[0].numpy()
        a0, a1 = coverage_of(v[0], "red").sum(), coverage_of(v[-1], "red").sum()
        assert abs(math.sqrt(a1 / a0) - factor) < 0.02


def test_spin_is_counter_clockwise():
    v = render([one("triangle", "spin", size="large", x0=0.5, y0=0.5, F=5)])[0].numpy()
    ys, xs = np.nonzero(mask_of(v[2], "red"))      # t = 0.125 s: 22.5 deg CCW, apex leans left
    top = ys.min()
    assert xs[ys == top].mean() + 0.5 < 64


def test_random_scenes_follow_the_rules():
    for seed in range(300):
        s = sample_scene(seed)
        bg = s.background
        assert 1 <= len(s.objects) <= 2
        for o in s.objects:
            assert (o.color, bg) not in spec.FORBIDDEN_COLOR_BACKGROUND
            assert not (o.shape == "circle" and o.motion == "spin")
        if len(s.objects) == 2:
            a, b = s.objects
            assert a.color != b.color
            gap = math.hypot((a.x0 - b.x0) * 128, (a.y0 - b.y0) * 128)
            assert gap >= (a.diameter + b.diameter) * 128 / 2


def test_objects_stay_inside_and_above_the_floor():
    from tessera_train.world.render import object_track
    for seed in range(200):
        s = sample_scene(seed)
        floor = spec.FLOOR[s.background] * 128
        for o in s.objects:
            tr = object_track(o, s)
            assert (tr.cx - tr.radius >= -1e-6).all() and (tr.cx + tr.radius <= 128 + 1e-6).all()
            assert (tr.cy - tr.radius >= -1e-6).all()
            if o.motion not in ("up", "down"):       # up/down on a floor background cannot (see scene.py)
                assert (tr.cy + tr.radius <= floor + 1e-6).all(), (seed, o)
            assert (tr.cy + tr.radius <= 128 + 1e-6).all()


def test_stars_and_backgrounds():
    for W, H, side in ((128, 128, 1), (256, 256, 2), (512, 256, 2)):
        s = sample_scene(1, W, H, 1, constraints={"background": "night sky", "objects": [
            {"color": "red", "shape": "circle", "size": "small", "motion": "still"}]})
        f = render([s])[0, 0].numpy()
        white = np.all(f == 255, axis=-1)
        assert len(s.stars) == 30
        assert white.sum() <= 30 * side * side and white.sum() >= 25 * side * side   # a few may overlap
        assert (f[~white & ~np.any(f != np.array(spec.NIGHT, np.uint8), -1)] == spec.NIGHT).all()
    for name, top, bottom in (("grass field", spec.GRASS_SKY_TOP, spec.GRASS_GROUND), ("desert", spec.DESERT_SKY, spec.DESERT_SAND)):
        s = sample_scene(2, 128, 128, 1, constraints={"background": name, "objects": [
            {"color": "blue", "shape": "circle", "size": "small", "motion": "still"}]})
        f = render([s])[0, 0].numpy().astype(int)
        assert np.abs(f[0, 0] - np.array(top)).max() <= 1
        assert (f[-1, 0] == bottom).all() and (f[93, 5] == bottom).all()     # rows below y = 0.72 H = 92.16
        assert (f[91, 5] != bottom).any()                                     # sky above the floor line
    g = render([sample_scene(0, constraints={"background": "gray studio", "objects": [
        {"color": "red", "shape": "circle", "size": "small", "motion": "still"}]})])[0, 0].numpy()
    assert (g[0, 0] == spec.GRAY).all()


def test_two_objects_drawn_in_order():
    a = WorldObject("red", "square", "large", "still", x0=0.5, y0=0.5)
    b = WorldObject("blue", "circle", "small", "still", x0=0.5, y0=0.5)
    f = render([Scene("gray studio", [a, b], frames=1)])[0, 0].numpy()
    assert (f[64, 64] == spec.COLORS["blue"]).all()      # the second object is in front


def test_frame_selection_matches_full_render():
    s = [sample_scene(i, 64, 64, 17) for i in range(3)]
    full = render(s)
    part = render(s, frame_indices=[0, 5, 16])
    assert (part == full[:, [0, 5, 16]]).all()
