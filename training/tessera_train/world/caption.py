"""Captioner of the Shapes World: scenes to plain-English prompts.

All wording comes from `phrases.yaml` (documented there). `caption(scene)` uses
the clip's seed, so a clip always gets the same caption; `caption(scene, rng)`
draws a fresh phrasing (the transformer trainer redraws captions each time it
reuses a pre-encoded clip). `all_captions(attributes)` enumerates every caption
the pools can produce for a scene, up to capitalisation and the final full stop.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from pathlib import Path

import numpy as np
import yaml

from . import spec
from .scene import Scene

PHRASES_PATH = Path(__file__).with_name("phrases.yaml")
_SLOT = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=None)
def phrases() -> dict:
    with open(PHRASES_PATH) as f:
        data = yaml.safe_load(f)
    for key, names in (("colors", spec.COLOR_NAMES), ("shapes", spec.SHAPES), ("sizes", spec.SIZE_NAMES),
                       ("motions", spec.MOTIONS), ("backgrounds", spec.BACKGROUNDS)):
        missing = set(names) - set(data[key])
        if missing:
            raise ValueError(f"{PHRASES_PATH}: pool {key} lacks {sorted(missing)}")
    return data


def _article(rest: str) -> str:
    return "an" if rest[:1] in "aeiou" else "a"


def _noun_phrases(obj: dict, first: bool) -> list[str]:
    """Every way to say one object: [article] [size] colour shape."""
    p = phrases()
    out = []
    for size, color, shape in itertools.product(p["sizes"][obj["size"]], p["colors"][obj["color"]], p["shapes"][obj["shape"]]):
        rest = " ".join(w for w in (size, color, shape) if w)
        out.append(f"{_article(rest)} {rest}")
        if first:
            out.append(rest)
    return out


def _slot_options(template: str, attributes: dict) -> dict[str, list[str]]:
    p = phrases()
    objs = attributes["objects"]
    bgs = p["backgrounds"][attributes["background"]]
    opts: dict[str, list[str]] = {"bg": bgs, "Bg": bgs}
    single = len(objs) == 1
    for i, o in enumerate(objs, start=1):
        suffix = "" if single else str(i)
        slot = "{np" + suffix + "}"
        opts["np" + suffix] = _noun_phrases(o, first=template.startswith(slot))
        opts["ing" + suffix] = p["motions"][o["motion"]]["ing"]
        opts["verb" + suffix] = p["motions"][o["motion"]]["verb"]
    return opts


def _fill(template: str, choice: dict[str, str]) -> str:
    def sub(m):
        name = m.group(1)
        if name == "Bg":
            text = choice["bg"]
            return text[:1].upper() + text[1:]
        return choice[name]

    return re.sub(r"\s+", " ", _SLOT.sub(sub, template)).strip()


def _templates(attributes: dict) -> list[str]:
    return phrases()["one_object" if len(attributes["objects"]) == 1 else "two_objects"]


def caption(scene: Scene | dict, rng: np.random.Generator | None = None) -> str:
    """A caption for a scene (or its `attributes()` dict); the scene's seed picks the phrasing."""
    if isinstance(scene, Scene):
        attributes = scene.attributes()
        rng = rng if rng is not None else np.random.default_rng([scene.seed, 0xCA9])
    else:
        attributes = scene
        rng = rng if rng is not None else np.random.default_rng(0)
    templates = _templates(attributes)
    template = templates[int(rng.integers(len(templates)))]
    opts = _slot_options(template, attributes)
    choice = {}
    for name in sorted(set(_SLOT.findall(template)) | {"bg"}):
        key = "bg" if name == "Bg" else name
        if key not in choice:
            choice[key] = opts[key][int(rng.integers(len(opts[key])))]
    text = _fill(template, choice)
    style = phrases()["style"]
    if rng.random() < style["capitalise"]:
        text = text[:1].upper() + text[1:]
    if rng.random() < style["full_stop"]:
        text += "."
    return text


def normalise(text: str) -> str:
    """Lowercase, punctuation removed, single spaces: how captions are compared."""
    text = text.lower().translate(str.maketrans({c: " " for c in string.punctuation if c != "-"}))
    return " ".join(text.split())


def all_captions(attributes: dict) -> set[str]:
    """Every caption the pools can produce for these attributes, normalised."""
    out = set()
    for template in _templates(attributes):
        opts = _slot_options(template, attributes)
        names = sorted({("bg" if n == "Bg" else n) for n in _SLOT.findall(template)})
        for values in itertools.product(*(opts[n] for n in names)):
            out.add(normalise(_fill(template, dict(zip(names, values)))))
    return out
