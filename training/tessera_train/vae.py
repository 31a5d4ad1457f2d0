"""Train the video autoencoder (diffusers' AutoencoderKLWan) on Shapes World clips.

Video VAEs are trained image-first: the causal encoder encodes frame 0 alone, so
single frames are cheap image training; then full-length clips teach the
temporal path. Both stages use this command:

    # stage 1: single frames, 64x64 crops
    python -m tessera_train.vae --run RUN/vae --preset cpu --frames 1 --crop 64 --steps 2000
    # stage 2: full-length clips (33 frames), starting from stage 1's weights
    python -m tessera_train.vae --run RUN/vae33 --init RUN/vae/checkpoint.pt --frames 33 --crop 64 --steps 500

Loss: L1 reconstruction + kl_weight * KL(posterior || N(0, 1)) (1e-6 by default).
Every --eval-every steps: PSNR per frame position on held-out full-length clips
(128x128x33, seeds never used for training) -> RUN/log.jsonl. At the end the
per-channel mean and std of the posterior means over world clips are measured and
saved (export writes them into vae/config.json as latents_mean / latents_std).
`--resume` continues RUN/checkpoint.pt (weights, optimiser, step, RNG states).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from .runs import Log, load_checkpoint, pick_device, restore_rng, save_checkpoint, seed_everything
from .world import spec
from .world.render import render
from .world.scene import sample_scene

PRESETS = {
    # Tests and rehearsals: seconds on a CPU.
    "tiny": dict(base_dim=8, z_dim=4, dim_mult=[1, 2, 2, 2], num_res_blocks=1),
    # The CPU recipe.
    "cpu": dict(base_dim=16, z_dim=8, dim_mult=[1, 2, 4, 4], num_res_blocks=1),
    # An accelerator.
    "gpu": dict(base_dim=32, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=1),
}
HELD_OUT_SEED = 900_000_000   # held-out clips use seeds from here; training seeds stay below
TRAIN_SEED_STRIDE = 1_000_003


def build_vae(preset: str = "cpu", **overrides):
    from diffusers import AutoencoderKLWan

    cfg = dict(PRESETS[preset], attn_scales=[], temperal_downsample=[False, True, True], dropout=0.0)
    cfg.update(latents_mean=[0.0] * cfg["z_dim"], latents_std=[1.0] * cfg["z_dim"])
    cfg.update(overrides)
    return AutoencoderKLWan(**cfg)


# MARK: - Data


def training_batch(step: int, batch: int, frames: int, crop: int, size: int, seed: int, device,
                   edge_fraction: float = 0.0) -> torch.Tensor:
    """World clips for one step, deterministic in (seed, step): (B, 3, frames, crop, crop) in [-1, 1]."""
    rng = np.random.default_rng([seed, step])
    base = seed * TRAIN_SEED_STRIDE + step * batch
    scenes = [sample_scene((base + i) % HELD_OUT_SEED, size, size, spec.DEFAULT_FRAMES) for i in range(batch)]
    if frames == 1:
        idx = [int(rng.integers(spec.DEFAULT_FRAMES))]
    else:
        start = int(rng.integers(spec.DEFAULT_FRAMES - frames + 1))
        idx = list(range(start, start + frames))
    x = render(scenes, device, output="float", frame_indices=idx)   # (B, 3, F, H, W)
    if crop < size:
        out = torch.empty(batch, 3, len(idx), crop, crop, device=device)
        for b in range(batch):
            y0, x0 = crop_origin(x[b], crop, rng, edge_fraction)
            out[b] = x[b, :, :, y0 : y0 + crop, x0 : x0 + crop]
        x = out
    return x


def crop_origin(clip: torch.Tensor, crop: int, rng: np.random.Generator, edge_fraction: float) -> tuple[int, int]:
    """Top-left corner of a crop of clip (3, F, H, W).

    With probability edge_fraction the crop is centred on a pixel drawn in proportion to
    the clip's edge strength (summed over frames), otherwise anywhere. Objects cover a few
    percent of a frame, so uniform crops spend most of the loss on flat backgrounds that a
    VAE learns in a few hundred steps; edge-centred crops spend it on shapes.
    """
    h, w = clip.shape[-2:]
    if rng.random() >= edge_fraction:
        return tuple(int(v) for v in rng.integers(0, (h - crop + 1, w - crop + 1)))
    e = torch.zeros(h, w, device=clip.device)
    e[:, 1:] += (clip[..., :, 1:] - clip[..., :, :-1]).abs().sum(dim=(0, 1))
    e[1:, :] += (clip[..., 1:, :] - clip[..., :-1, :]).abs().sum(dim=(0, 1))
    p = e.flatten().double().cpu().numpy()
    if p.sum() <= 0:
        return tuple(int(v) for v in rng.integers(0, (h - crop + 1, w - crop + 1)))
    cy, cx = divmod(int(rng.choice(p.size, p=p / p.sum())), w)
    return (min(max(cy - crop // 2, 0), h - crop), min(max(cx - crop // 2, 0), w - crop))


def held_out_clips(count: int, size: int = 128, frames: int = spec.DEFAULT_FRAMES, device="cpu") -> torch.Tensor:
    scenes = [sample_scene(HELD_OUT_SEED + i, size, size, frames, two_object_prob=float(i % 2)) for i in range(count)]
    return render(scenes, device, output="float")


def decode_unclamped(vae, z: torch.Tensor) -> torch.Tensor:
    """`vae.decode(z).sample` without its final clamp to [-1, 1], for training.

    The clamp has zero gradient wherever the decoder overshoots, so a pixel pushed past
    +-1 on the wrong side never comes back: with it, the image stage stalled near 20 dB
    (lr 1e-4) or 13-14 dB (lr 3e-4, 1e-3). Same frame-by-frame causal loop as diffusers.
    """
    vae.clear_cache()
    x = vae.post_quant_conv(z)
    out = []
    for i in range(x.shape[2]):
        vae._conv_idx = [0]
        out.append(vae.decoder(x[:, :, i : i + 1], feat_cache=vae._feat_map, feat_idx=vae._conv_idx,
                               first_chunk=i == 0))
    vae.clear_cache()
    return torch.cat(out, 2)


# MARK: - Measures


@torch.no_grad()
def psnr_per_frame(vae, clips: torch.Tensor) -> list[float]:
    """PSNR (dB, on [0, 255]) per frame position of posterior-mean reconstructions. clips: (B, 3, F, H, W)."""
    out = []
    for clip in clips.split(1):
        z = vae.encode(clip).latent_dist.mode()
        rec = vae.decode(z).sample.clamp(-1, 1)
        mse = ((rec - clip) * 127.5).pow(2).mean(dim=(0, 1, 3, 4))        # (F,)
        out.append(mse)
    mse = torch.stack(out).mean(0)
    return [float(10 * math.log10(255.0**2 / max(m, 1e-10))) for m in mse.tolist()]


@torch.no_grad()
def latent_stats(vae, clips: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of posterior means over clips (B, 3, F, H, W)."""
    zs = [vae.encode(c).latent_dist.mode() for c in clips.split(1)]
    z = torch.cat(zs).transpose(0, 1).reshape(zs[0].shape[1], -1)          # (C, N)
    return z.mean(1).tolist(), z.std(1).tolist()


# MARK: - Training


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.vae", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="run folder: checkpoint.pt, log.jsonl")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    ap.add_argument("--init", type=Path, help="start from the weights of another VAE checkpoint (stage 2)")
    ap.add_argument("--resume", action="store_true", help="continue RUN/checkpoint.pt")
    ap.add_argument("--frames", type=int, default=1, help="1 = image stage; 4k+1 = clip stage")
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--size", type=int, default=128, help="rendered clip size before cropping")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--edge-crops", type=float, default=0.0,
                    help="fraction of crops centred on edges (objects) rather than anywhere")
    ap.add_argument("--kl-weight", type=float, default=1e-6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device")
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-clips", type=int, default=2)
    ap.add_argument("--eval-size", type=int, default=128)
    ap.add_argument("--stats-clips", type=int, default=8)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--threads", type=int, help="torch CPU threads")
    ap.add_argument("--max-minutes", type=float, help="stop (and save) after this much wall-clock time")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.crop % 16 or args.crop > args.size or (args.frames - 1) % 4 or args.frames > spec.DEFAULT_FRAMES:
        ap.error("--crop must be a multiple of 16 no larger than --size, --frames 4k+1 up to 33")
    device = pick_device(args.device)
    seed_everything(args.seed)
    ckpt_path = args.run / "checkpoint.pt"
    log = Log(args.run / "log.jsonl")

    state = load_checkpoint(ckpt_path) if args.resume and ckpt_path.exists() else None
    init = torch.load(args.init, map_location="cpu", weights_only=False) if args.init and state is None else None
    config = (state or init or {}).get("config") or {"preset": args.preset}
    vae = build_vae(config["preset"]).to(device)
    opt = torch.optim.AdamW(vae.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    if state:
        vae.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
    elif init:
        vae.load_state_dict(init["model"])
    print(f"VAE {config['preset']}: {sum(p.numel() for p in vae.parameters()) / 1e6:.2f}M parameters, "
          f"device {device}, from step {step}", flush=True)
    held = held_out_clips(args.eval_clips, args.eval_size, device=device)

    def save():
        save_checkpoint(ckpt_path, model=vae.state_dict(), optimizer=opt.state_dict(), step=step, config=config,
                        args={k: str(v) for k, v in vars(args).items()})

    evaluated_at = None

    def evaluate():
        nonlocal evaluated_at
        vae.eval()
        psnr = psnr_per_frame(vae, held)
        log(step=step, eval_psnr_min=min(psnr), eval_psnr_mean=float(np.mean(psnr)),
            psnr_per_frame=[round(p, 2) for p in psnr])
        evaluated_at = step

    restore_rng(state)                     # after building the model and the held-out clips
    t0 = started = time.time()
    while step < args.steps:
        if args.max_minutes and time.time() - started > 60 * args.max_minutes:
            log(step=step, stopped="max-minutes reached")
            break
        vae.train()
        x = training_batch(step, args.batch, args.frames, args.crop, args.size, args.seed, device, args.edge_crops)
        post = vae.encode(x).latent_dist
        z = post.sample()
        rec = decode_unclamped(vae, z)
        l1 = (rec - x).abs().mean()
        kl = 0.5 * (post.mean.pow(2) + post.var - 1.0 - post.logvar).mean()
        loss = l1 + args.kl_weight * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 10 == 0 or step == 1:
            log(step=step, l1=l1.item(), kl=kl.item(), s_per_step=(time.time() - t0) / 10 if step > 1 else 0.0)
            t0 = time.time()
        if step % args.save_every == 0:
            save()
        if step % args.eval_every == 0 or step == args.steps:
            evaluate()
    if evaluated_at != step:               # stopped early (--max-minutes): the final weights get measured too
        evaluate()
    vae.eval()
    stats_clips = held_out_clips(args.stats_clips, args.eval_size, device=device)
    mean, std = latent_stats(vae, stats_clips)
    config["latents_mean"], config["latents_std"] = mean, std
    log(step=step, latents_mean=[round(m, 4) for m in mean], latents_std=[round(s, 4) for s in std])
    save()
    (args.run / "latent_stats.json").write_text(json.dumps({"latents_mean": mean, "latents_std": std}, indent=1))


if __name__ == "__main__":
    main()
