"""Generate clips in Python from an exported model folder with diffusers' WanPipeline.

    python -m tessera_train.sample --model ../models/shapes-world-v1 -o OUT --prompts eval/unseen_prompts.jsonl
    python -m tessera_train.sample --model ../models/shapes-world-v1 -o OUT --prompt "a red ball bouncing on a grass field"

The reference for the Swift pipeline (same folder, same prompt states, same
scheduler) and a way to score a model before the Swift CLI can run it. Clip
folders are written as `tessera generate` writes them: OUT/<index>-s<seed>/frames/00001.png
and metadata.json with the prompt.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .clips import write_clip
from .encode_text import PromptEncoder
from .world import spec


def _load_component(cls, folder: Path):
    """Build from config.json and load the safetensors strictly, in float32 (no accelerate needed)."""
    from safetensors.torch import load_file

    model = cls.from_config(cls.load_config(str(folder)))
    state = load_file(str(folder / "diffusion_pytorch_model.safetensors"))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model.float().eval()


def load_pipeline(model: Path, device="cpu"):
    """WanPipeline over an exported model folder (the prompt states are passed in, so no text encoder)."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel

    model = Path(model)
    pipe = WanPipeline(tokenizer=None, text_encoder=None,
                       vae=_load_component(AutoencoderKLWan, model / "vae"),
                       transformer=_load_component(WanTransformer3DModel, model / "transformer"),
                       scheduler=UniPCMultistepScheduler.from_pretrained(str(model / "scheduler")))
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


@torch.no_grad()
def generate(pipe, encoder: PromptEncoder, prompts: list[str], seed: int, steps: int, guidance: float,
             width=spec.DEFAULT_WIDTH, height=spec.DEFAULT_HEIGHT, frames=spec.DEFAULT_FRAMES, negative: str = "") -> np.ndarray:
    """(B, F, H, W, 3) uint8 clips for prompts; clip i uses seed + i."""
    cond = encoder(prompts)
    uncond = encoder([negative] * len(prompts))
    out = []
    for i in range(len(prompts)):
        g = torch.Generator().manual_seed(seed + i)
        video = pipe(prompt_embeds=cond[i : i + 1], negative_prompt_embeds=uncond[i : i + 1], height=height,
                     width=width, num_frames=frames, num_inference_steps=steps, guidance_scale=guidance,
                     generator=g, output_type="np").frames[0]                 # (F, H, W, 3) in [0, 1]
        out.append((np.clip(video, 0, 1) * 255).round().astype(np.uint8))
    return np.stack(out)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.sample", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--prompt", action="append", default=[])
    ap.add_argument("--prompts", type=Path, help="JSONL of {prompt, ...} or a .txt with one prompt per line")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=5.0)
    ap.add_argument("--width", type=int, default=spec.DEFAULT_WIDTH)
    ap.add_argument("--height", type=int, default=spec.DEFAULT_HEIGHT)
    ap.add_argument("--frames", type=int, default=spec.DEFAULT_FRAMES)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    prompts = list(args.prompt)
    if args.prompts:
        for line in args.prompts.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                prompts.append(json.loads(line)["prompt"] if args.prompts.suffix == ".jsonl" else line.strip())
    pipe = load_pipeline(args.model, args.device)
    encoder = PromptEncoder(args.device)
    for i, prompt in enumerate(prompts):
        clip = generate(pipe, encoder, [prompt], args.seed + i, args.steps, args.guidance, args.width, args.height,
                        args.frames)[0]
        meta = {"prompt": prompt, "seed": args.seed + i, "steps": args.steps, "guidance": args.guidance,
                "width": args.width, "height": args.height, "frames": args.frames, "fps": spec.DEFAULT_FPS,
                "model": str(args.model)}
        write_clip(args.out / f"{i:05d}-s{args.seed + i}", clip, meta)
        print(f"{i + 1}/{len(prompts)} {prompt}", flush=True)


if __name__ == "__main__":
    main()
