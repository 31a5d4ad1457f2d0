"""Train the diffusion transformer (diffusers' WanTransformer3DModel) on pre-encoded world clips.

Two subcommands:

    # encode a pool of rendered clips once with the trained VAE (normalised latents + scenes)
    python -m tessera_train.dit pool --vae RUN/vae33/checkpoint.pt --count 2000 --out RUN/pool-128x128x33.pt
    # train on the pool; each reuse of a clip draws a fresh caption
    python -m tessera_train.dit train --run RUN/dit --pool RUN/pool-128x128x33.pt --preset cpu --steps 3000

Objective: Wan's rectified flow. x0 = normalised latents ((mode - latents_mean) /
latents_std, as WanPipeline un-normalises them before decoding); sigma = s*u / (1 +
(s - 1) u) with u ~ U(0, 1) and shift s (3.0, the flow_shift of the exported
scheduler); x_t = (1 - sigma) x0 + sigma noise; timestep = 1000 sigma; the
model predicts noise - x0 (MSE). Prompt states are MiniLM's, computed as
encode_text.py documents; 10 % of captions are dropped to the empty prompt for
classifier-free guidance. Several pools (sizes, aspect ratios, durations) may be
given: each step draws one pool, so the patch sequence length varies as in
Sora's native-size training. `--resume` continues RUN/checkpoint.pt; a fixed
--seed repeats a run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from .encode_text import TEXT_DIM, PromptEncoder
from .runs import Log, load_checkpoint, pick_device, restore_rng, save_checkpoint, seed_everything
from .vae import build_vae
from .world import spec
from .world.caption import caption
from .world.render import render
from .world.scene import sample_scene

PRESETS = {
    "tiny": dict(num_attention_heads=2, attention_head_dim=16, ffn_dim=64, num_layers=2, freq_dim=32),
    "cpu": dict(num_attention_heads=4, attention_head_dim=64, ffn_dim=768, num_layers=6, freq_dim=256),
    "gpu": dict(num_attention_heads=6, attention_head_dim=64, ffn_dim=1280, num_layers=8, freq_dim=256),
}
POOL_SEED = 500_000_000       # pool clips: seeds from here (the VAE trains below, held-out clips above)


def build_transformer(preset: str, z_dim: int):
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2), in_channels=z_dim, out_channels=z_dim, text_dim=TEXT_DIM,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024,
        **PRESETS[preset])


def load_vae(path: Path, device="cpu"):
    """The VAE of a checkpoint written by tessera_train.vae, with its measured latent statistics."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = state["config"]
    vae = build_vae(cfg["preset"])
    vae.load_state_dict(state["model"])
    z = vae.config.z_dim
    mean = torch.tensor(cfg.get("latents_mean", [0.0] * z))
    std = torch.tensor(cfg.get("latents_std", [1.0] * z))
    return vae.eval().to(device), mean, std, cfg


def scheduler_for(shift: float):
    """Wan's sampler: UniPC on flow sigmas with `flow_shift` = the training shift."""
    from diffusers import UniPCMultistepScheduler

    return UniPCMultistepScheduler(
        num_train_timesteps=1000, solver_order=2, prediction_type="flow_prediction", predict_x0=True,
        solver_type="bh2", lower_order_final=True, disable_corrector=[], use_flow_sigmas=True, flow_shift=shift,
        final_sigmas_type="zero")


def shifted_sigmas(u: torch.Tensor, shift: float) -> torch.Tensor:
    """Flow-match time shift (as FlowMatchEulerDiscreteScheduler and Wan's flow_shift apply it)."""
    return shift * u / (1 + (shift - 1) * u)


# MARK: - Pool


@torch.no_grad()
def make_pool(vae_path: Path, count: int, width: int, height: int, frames: int, seed: int, batch: int, device) -> dict:
    vae, mean, std, _ = load_vae(vae_path, device)
    log_path = Path(vae_path).parent / "log.jsonl"
    psnr = [json.loads(l) for l in log_path.read_text().splitlines() if "eval_psnr_min" in l] if log_path.exists() else []
    if not psnr or psnr[-1]["eval_psnr_min"] < 32.0:
        found = f"{psnr[-1]['eval_psnr_min']:.1f} dB" if psnr else "no measurement"
        print(f"warning: {vae_path}: held-out PSNR at the worst frame position is {found}, under the 32 dB the "
              f"transformer needs; its clips will be no sharper than the VAE's reconstructions", flush=True)
    latents, scenes = [], []
    for i in range(0, count, batch):
        sc = [sample_scene(POOL_SEED + seed * 10_000_000 + i + j, width, height, frames) for j in range(min(batch, count - i))]
        x = render(sc, device, output="float")                              # (B, 3, F, H, W)
        z = torch.cat([vae.encode(c).latent_dist.mode() for c in x.split(1)])  # (B, z, F', H/8, W/8)
        zn = (z - mean.view(1, -1, 1, 1, 1).to(z)) / std.view(1, -1, 1, 1, 1).to(z)
        latents.append(zn.half().cpu())
        scenes += [s.attributes() | {"seed": s.seed} for s in sc]
        print(f"pool {width}x{height}x{frames}: {len(scenes)}/{count}", flush=True)
    return {"latents": torch.cat(latents), "scenes": scenes, "size": (width, height, frames), "vae": str(vae_path),
            "vae_psnr_min": psnr[-1]["eval_psnr_min"] if psnr else None}


# MARK: - Evaluation during training

EVAL_PROMPTS = Path(__file__).resolve().parents[1] / "eval" / "world_prompts.jsonl"


class TrainingEvaluator:
    """Samples world prompts with the current weights (WanPipeline, UniPC) and scores the clips."""

    def __init__(self, vae_path: str, count: int, steps: int, guidance: float, shift: float, size: tuple, device):
        import json

        from diffusers import WanPipeline

        vae, mean, std, _ = load_vae(Path(vae_path), device)
        vae.register_to_config(latents_mean=[float(v) for v in mean], latents_std=[float(v) for v in std])
        self.vae, self.scheduler = vae, scheduler_for(shift)
        self.items = [json.loads(l) for l in EVAL_PROMPTS.read_text().splitlines() if l.strip()][:count]
        self.steps, self.guidance, self.size, self.device = steps, guidance, size, device
        self.pipeline_class = WanPipeline

    @torch.no_grad()
    def __call__(self, model, encoder: PromptEncoder) -> dict:
        from .eval.score import aggregate, score_clip

        was_training = model.training
        model.eval()
        pipe = self.pipeline_class(tokenizer=None, text_encoder=None, vae=self.vae, transformer=model,
                                   scheduler=self.scheduler)
        pipe.set_progress_bar_config(disable=True)
        W, H, F = self.size
        results = []
        for i, item in enumerate(self.items):
            g = torch.Generator().manual_seed(i)
            video = pipe(prompt_embeds=encoder([item["prompt"]]), negative_prompt_embeds=encoder([""]),
                         height=H, width=W, num_frames=F, num_inference_steps=self.steps,
                         guidance_scale=self.guidance, generator=g, output_type="np").frames[0]
            clip = (np.clip(video, 0, 1) * 255).round().astype(np.uint8)
            results.append(score_clip(clip, item["scene"]))
        model.train(was_training)
        return aggregate(results)


# MARK: - Training


def train_step_inputs(pools: list[dict], step: int, batch: int, seed: int, shift: float, drop: float,
                      encoder: PromptEncoder, device):
    """One step's (x_t, timesteps, text states, target), deterministic in (seed, step)."""
    rng = np.random.default_rng([seed, step])
    pool = pools[int(rng.integers(len(pools)))]
    idx = rng.integers(0, len(pool["scenes"]), batch)
    x0 = pool["latents"][idx].float().to(device)                             # (B, z, F', h, w)
    prompts = []
    for i in idx:
        text = caption(pool["scenes"][i], rng)                              # a fresh phrasing on every reuse
        prompts.append("" if rng.random() < drop else text)
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    noise = torch.randn(x0.shape, generator=gen).to(device)
    sigma = shifted_sigmas(torch.rand(batch, generator=gen), shift).to(device)
    s = sigma.view(-1, 1, 1, 1, 1)
    x_t = (1 - s) * x0 + s * noise
    return x_t, sigma * 1000, encoder(prompts).to(device), noise - x0, prompts


def train(args) -> None:
    device = pick_device(args.device)
    seed_everything(args.seed)
    pools = [torch.load(p, map_location="cpu", weights_only=False) for p in args.pool]
    z_dim = pools[0]["latents"].shape[1]
    ckpt_path = args.run / "checkpoint.pt"
    log = Log(args.run / "log.jsonl")
    state = load_checkpoint(ckpt_path) if args.resume and ckpt_path.exists() else None
    config = state["config"] if state else {"preset": args.preset, "z_dim": z_dim, "shift": args.shift,
                                            "vae": pools[0]["vae"], "pools": [str(p) for p in args.pool]}
    model = build_transformer(config["preset"], config["z_dim"]).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0, betas=(0.9, 0.99))
    step = 0
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
    encoder = PromptEncoder(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"transformer {config['preset']}: {n_params / 1e6:.2f}M parameters, device {device}, from step {step}, "
          f"pools {[tuple(p['size']) for p in pools]} of {[len(p['scenes']) for p in pools]} clips", flush=True)
    amp = device.type == "cuda"

    def save():
        save_checkpoint(ckpt_path, model=model.state_dict(), optimizer=opt.state_dict(), step=step, config=config,
                        args={k: str(v) for k, v in vars(args).items()}, parameters=n_params)

    evaluator = None
    if args.eval_every:
        evaluator = TrainingEvaluator(config["vae"], args.eval_prompts, args.eval_steps, args.eval_guidance,
                                      config["shift"], tuple(pools[0]["size"]), device)
    restore_rng(state)                     # after building the model
    t0, losses, started = time.time(), [], time.time()
    while step < args.steps:
        if args.max_minutes and time.time() - started > 60 * args.max_minutes:
            log(step=step, stopped="max-minutes reached")
            save()
            break
        model.train()
        lr = args.lr * min(1.0, (step + 1) / max(1, args.warmup))
        for g in opt.param_groups:
            g["lr"] = lr
        x_t, t, text, target, _ = train_step_inputs(pools, step, args.batch, args.seed, config["shift"],
                                                    args.caption_dropout, encoder, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            pred = model(hidden_states=x_t, timestep=t, encoder_hidden_states=text, return_dict=False)[0]
        loss = torch.nn.functional.mse_loss(pred.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(loss.item())
        if step % args.log_every == 0 or step == 1:
            log(step=step, loss=float(np.mean(losses)), lr=lr, s_per_step=(time.time() - t0) / len(losses))
            t0, losses = time.time(), []
        if step % args.save_every == 0 or step == args.steps:
            save()
        if evaluator and (step % args.eval_every == 0 or step == args.steps):
            rates = evaluator(model, encoder)
            log(step=step, **{f"eval_{k}": v for k, v in rates["all"].items()},
                eval_one=rates["one_object"], eval_two=rates["two_objects"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.dit", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pool", help="render and encode a pool of clips")
    p.add_argument("--vae", type=Path, required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--width", type=int, default=spec.DEFAULT_WIDTH)
    p.add_argument("--height", type=int, default=spec.DEFAULT_HEIGHT)
    p.add_argument("--frames", type=int, default=spec.DEFAULT_FRAMES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--device")
    p.add_argument("--threads", type=int)
    t = sub.add_parser("train", help="train the transformer on pools")
    t.add_argument("--run", type=Path, required=True)
    t.add_argument("--pool", type=Path, action="append", required=True, help="repeatable: one pool per size")
    t.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    t.add_argument("--steps", type=int, default=1000)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--warmup", type=int, default=100)
    t.add_argument("--shift", type=float, default=3.0)
    t.add_argument("--caption-dropout", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--log-every", type=int, default=10)
    t.add_argument("--save-every", type=int, default=100)
    t.add_argument("--device")
    t.add_argument("--threads", type=int)
    t.add_argument("--max-minutes", type=float, help="stop (and save) after this much wall-clock time")
    t.add_argument("--eval-every", type=int, default=0, help="sample and score world prompts every N steps (0: never)")
    t.add_argument("--eval-prompts", type=int, default=16)
    t.add_argument("--eval-steps", type=int, default=20)
    t.add_argument("--eval-guidance", type=float, default=5.0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.command == "pool":
        spec.check_size(args.width, args.height, args.frames)
        pool = make_pool(args.vae, args.count, args.width, args.height, args.frames, args.seed, args.batch,
                         pick_device(args.device))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        torch.save(pool, tmp)
        tmp.replace(args.out)
        print(f"wrote {args.out}: latents {tuple(pool['latents'].shape)}")
    else:
        train(args)


if __name__ == "__main__":
    main()
