"""The whole chain at tiny scale on CPU: VAE (image then clip stage), pool, transformer, resume,
export, loading the exported folder back into diffusers' WanPipeline, sampling, scoring."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from tessera_train import dit, export, sample, vae
from tessera_train.eval.score import score_clip
from tessera_train.encode_text import PromptEncoder


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("chain")
    common = ["--preset", "tiny", "--crop", "32", "--size", "64", "--eval-clips", "1", "--eval-size", "64",
              "--stats-clips", "2", "--threads", "1"]
    vae.main(["--run", str(root / "vae1"), "--frames", "1", "--batch", "2", "--steps", "3", "--eval-every", "3"] + common)
    vae.main(["--run", str(root / "vae5"), "--init", str(root / "vae1" / "checkpoint.pt"), "--frames", "5",
              "--batch", "1", "--steps", "2", "--eval-every", "2"] + common)
    dit.main(["pool", "--vae", str(root / "vae5" / "checkpoint.pt"), "--count", "4", "--width", "64", "--height", "64",
              "--frames", "5", "--batch", "2", "--out", str(root / "pool.pt"), "--threads", "1"])
    return root


def test_vae_logs_psnr_per_frame_and_latent_stats(chain):
    log = [json.loads(l) for l in (chain / "vae5" / "log.jsonl").read_text().splitlines()]
    psnr = [r for r in log if "psnr_per_frame" in r][-1]
    assert len(psnr["psnr_per_frame"]) == 33                  # held-out clips are full length
    state = torch.load(chain / "vae5" / "checkpoint.pt", weights_only=False)
    assert len(state["config"]["latents_std"]) == 4 and min(state["config"]["latents_std"]) > 0
    pool = torch.load(chain / "pool.pt", weights_only=False)
    assert pool["latents"].shape == (4, 4, 2, 8, 8) and len(pool["scenes"]) == 4


def _train(run, pool, steps, resume=False):
    args = ["train", "--run", str(run), "--pool", str(pool), "--preset", "tiny", "--steps", str(steps), "--batch", "2",
            "--save-every", "2", "--log-every", "1", "--threads", "1", "--seed", "3"]
    dit.main(args + (["--resume"] if resume else []))
    return torch.load(run / "checkpoint.pt", weights_only=False)


def test_transformer_resume_repeats_a_run(chain):
    straight = _train(chain / "ditA", chain / "pool.pt", 4)
    _train(chain / "ditB", chain / "pool.pt", 2)
    resumed = _train(chain / "ditB", chain / "pool.pt", 4, resume=True)
    assert resumed["step"] == 4
    for k, v in straight["model"].items():
        assert torch.equal(v, resumed["model"][k]), k


def test_training_inputs_follow_the_flow_objective(chain):
    pool = torch.load(chain / "pool.pt", weights_only=False)
    enc = PromptEncoder()
    x_t, t, text, target, prompts = dit.train_step_inputs([pool], 0, 64, 0, 3.0, 0.1, enc, "cpu")
    assert text.shape == (64, 64, 384)
    assert 0 < t.min() and t.max() < 1000
    dropped = sum(p == "" for p in prompts)
    assert 1 <= dropped <= 16                                  # ~10 % caption dropout
    assert len({p for p in prompts if p}) > 20                 # captions redrawn for reused clips
    assert torch.median(t) > 500                               # shift 3 pushes sigma up (median 0.75)


def test_export_loads_into_wan_pipeline_and_samples(chain):
    _train(chain / "ditE", chain / "pool.pt", 2)
    out = chain / "model"
    export.export(chain / "vae5" / "checkpoint.pt", chain / "ditE" / "checkpoint.pt", out,
                  SimpleNamespace(eval_world=None, eval_unseen=None, hardware="test", notes="", overwrite=False))
    for f in ("model_index.json", "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
              "vae/config.json", "vae/diffusion_pytorch_model.safetensors", "scheduler/scheduler_config.json",
              "text_encoder/tessera.json", "README.md"):
        assert (out / f).exists(), f
    te = json.loads((out / "text_encoder" / "tessera.json").read_text())
    assert te["name"] == "all-MiniLM-L6-v2" and te["max_length"] == 64 and te["padding"] == "zeros"
    sched = json.loads((out / "scheduler" / "scheduler_config.json").read_text())
    assert sched["_class_name"] == "UniPCMultistepScheduler" and sched["flow_shift"] == 3.0
    vae_cfg = json.loads((out / "vae" / "config.json").read_text())
    state = torch.load(chain / "vae5" / "checkpoint.pt", weights_only=False)
    assert np.allclose(vae_cfg["latents_std"], state["config"]["latents_std"])
    from safetensors import safe_open
    with safe_open(str(out / "transformer" / "diffusion_pytorch_model.safetensors"), "pt") as f:
        assert all(f.get_tensor(k).dtype == torch.float16 for k in f.keys())
    pipe = sample.load_pipeline(out)
    clips = sample.generate(pipe, PromptEncoder(), ["a red ball bouncing on a grass field"], seed=0, steps=2,
                            guidance=3.0, width=64, height=64, frames=5)
    assert clips.shape == (1, 5, 64, 64, 3) and clips.dtype == np.uint8
    again = sample.generate(pipe, PromptEncoder(), ["a red ball bouncing on a grass field"], seed=0, steps=2,
                            guidance=3.0, width=64, height=64, frames=5)
    assert (clips == again).all()
    r = score_clip(clips[0], {"background": "grass field", "objects": [
        {"color": "red", "shape": "circle", "size": "medium", "motion": "bounce"}]})
    assert set(r) >= {"background", "no_extra", "stable", "all_correct", "objects"}


def test_vae_resume_repeats_a_run(tmp_path):
    common = ["--preset", "tiny", "--crop", "32", "--size", "64", "--frames", "1", "--batch", "2", "--eval-every", "100",
              "--eval-clips", "1", "--eval-size", "64", "--stats-clips", "1", "--save-every", "2", "--threads", "1"]
    vae.main(["--run", str(tmp_path / "a"), "--steps", "4"] + common)
    vae.main(["--run", str(tmp_path / "b"), "--steps", "2"] + common)
    vae.main(["--run", str(tmp_path / "b"), "--steps", "4", "--resume"] + common)
    a = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=False)
    b = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)
    assert a["step"] == b["step"] == 4
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k


def _swift_binary():
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for p in [os.environ.get("TESSERA_BIN")] + sorted(str(p) for p in root.glob(".build*/release/tessera")):
        if p and Path(p).is_file() and os.access(p, os.X_OK):
            return Path(p)
    return None


@pytest.mark.skipif(_swift_binary() is None, reason="no built Swift CLI (.build*/release/tessera or $TESSERA_BIN)")
def test_swift_pipeline_matches_wan_pipeline_on_an_export(chain):
    from tessera_train import parity

    if not (chain / "model").exists():
        _train(chain / "ditE", chain / "pool.pt", 2)
        export.export(chain / "vae5" / "checkpoint.pt", chain / "ditE" / "checkpoint.pt", chain / "model",
                      SimpleNamespace(eval_world=None, eval_unseen=None, hardware="test", notes="", overwrite=False))
    r = parity.compare(chain / "model", _swift_binary(), "a red ball bouncing on a grass field", steps=3)
    assert r["psnr"] > 50, r


def test_training_can_sample_and_score_itself(chain):
    dit.main(["train", "--run", str(chain / "ditEval"), "--pool", str(chain / "pool.pt"), "--preset", "tiny",
              "--steps", "2", "--batch", "2", "--threads", "1", "--eval-every", "2", "--eval-prompts", "2",
              "--eval-steps", "2"])
    log = [json.loads(l) for l in (chain / "ditEval" / "log.jsonl").read_text().splitlines()]
    ev = [r for r in log if "eval_all_correct" in r]
    assert ev and ev[-1]["eval_clips"] == 2 and 0 <= ev[-1]["eval_background"] <= 1


def test_transformer_trains_on_pools_of_several_sizes(chain):
    """Native-size training: a square 64x64x5 pool and a wide 96x64x9 pool, drawn step by step."""
    dit.main(["pool", "--vae", str(chain / "vae5" / "checkpoint.pt"), "--count", "2", "--width", "96", "--height", "64",
              "--frames", "9", "--batch", "2", "--out", str(chain / "pool-wide.pt"), "--threads", "1"])
    wide = torch.load(chain / "pool-wide.pt", weights_only=False)
    assert wide["latents"].shape == (2, 4, 3, 8, 12)
    pools = [torch.load(chain / "pool.pt", weights_only=False), wide]
    enc = PromptEncoder()
    shapes = {dit.train_step_inputs(pools, s, 2, 0, 3.0, 0.1, enc, "cpu")[0].shape[2:] for s in range(12)}
    assert len(shapes) == 2
    dit.main(["train", "--run", str(chain / "ditMulti"), "--pool", str(chain / "pool.pt"), "--pool",
              str(chain / "pool-wide.pt"), "--preset", "tiny", "--steps", "6", "--batch", "2", "--threads", "1"])
    assert torch.load(chain / "ditMulti" / "checkpoint.pt", weights_only=False)["step"] == 6


@pytest.mark.parametrize("preset", ["cpu", "gpu"])
def test_presets_export_under_60_mib(preset):
    z = vae.PRESETS[preset]["z_dim"]
    n = sum(p.numel() for p in vae.build_vae(preset).parameters())
    n += sum(p.numel() for p in dit.build_transformer(preset, z).parameters())
    assert 2 * n < export.MAX_BYTES - 2**20          # fp16 weights, 1 MiB left for configs and the card
