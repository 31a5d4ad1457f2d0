"""The captioner: pools, coverage, reproducibility, and the unseen prompts kept out."""

import json
from pathlib import Path

import numpy as np

from tessera_train.world import spec
from tessera_train.world.caption import all_captions, caption, normalise, phrases
from tessera_train.world.scene import sample_scene, validate_attributes

ROOT = Path(__file__).resolve().parents[1]


def test_pools_have_three_phrasings_and_synonyms():
    p = phrases()
    for shape in spec.SHAPES:
        assert len(set(p["shapes"][shape])) >= 3
    for motion in spec.MOTIONS:
        assert len(set(p["motions"][motion]["ing"])) >= 3 and len(set(p["motions"][motion]["verb"])) >= 3
    for bg in spec.BACKGROUNDS:
        assert len(set(p["backgrounds"][bg])) >= 3
    assert {"ball", "circle", "disc"} <= set(p["shapes"]["circle"])
    assert {"box", "square", "block"} <= set(p["shapes"]["square"])
    assert all("" not in p["sizes"][s] for s in ("small", "large"))        # only medium may go unsaid


def test_seed_fixes_the_caption_and_rng_redraws():
    s = sample_scene(17)
    assert caption(s) == caption(sample_scene(17))
    drawn = {caption(s, np.random.default_rng(i)) for i in range(40)}
    assert len(drawn) > 10
    assert all(normalise(c) in all_captions(s.attributes()) for c in drawn)


def test_caption_names_every_concept():
    p = phrases()
    for seed in range(200):
        s = sample_scene(seed)
        text = caption(s).lower()
        assert any(b in text for b in p["backgrounds"][s.background])
        for o in s.objects:
            assert o.color in text
            assert any(w in text for w in p["shapes"][o.shape])
            assert any(m in text for m in p["motions"][o.motion]["ing"] + p["motions"][o.motion]["verb"])
            if o.size != "medium":
                assert any(w in text.split() for w in p["sizes"][o.size])


def test_pool_coverage_over_many_seeds():
    seen = set()
    for seed in range(600):
        s = sample_scene(seed)
        text = normalise(caption(s))
        for o in s.objects:
            for w in phrases()["shapes"][o.shape]:
                if w in text:
                    seen.add(w)
    every = {w for ws in phrases()["shapes"].values() for w in ws}
    assert len(seen) >= len(every) - 2


def test_unseen_prompts_are_never_produced():
    items = [json.loads(l) for l in (ROOT / "eval" / "unseen_prompts.jsonl").read_text().splitlines() if l.strip()]
    assert len(items) == 40
    assert sum(len(it["scene"]["objects"]) == 2 for it in items) >= 8
    for it in items:
        validate_attributes(it["scene"]["background"], it["scene"]["objects"])
        assert normalise(it["prompt"]) not in all_captions(it["scene"]), it["prompt"]
    txt = (ROOT / "eval" / "unseen_prompts.txt").read_text().splitlines()
    assert txt == [it["prompt"] for it in items]


def test_world_prompt_set_is_current():
    """eval/world_prompts.jsonl is what `python -m tessera_train.eval prompts --count 200 --seed 0` writes."""
    from tessera_train.eval.__main__ import world_prompts

    items = [json.loads(l) for l in (ROOT / "eval" / "world_prompts.jsonl").read_text().splitlines() if l.strip()]
    assert items == world_prompts(200, 0)
    assert sum(len(it["scene"]["objects"]) == 2 for it in items) == 100
    assert (ROOT / "eval" / "world_prompts.txt").read_text().splitlines() == [it["prompt"] for it in items]
