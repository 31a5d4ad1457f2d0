"""Check the Swift pipeline against diffusers' WanPipeline on an exported model folder.

    python -m tessera_train.parity --model ../models/tessera-shapes --tessera ../.build/release/tessera

Both start from the same initial latents (written to a safetensors file and passed to
`tessera generate --noise`), the same prompt states (encode_text.py's contract, which the
Swift pipeline reads from text_encoder/tessera.json) and the model's own scheduler; the
frames are compared and their PSNR printed (identical pipelines give > 60 dB).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from .clips import read_clip
from .encode_text import PromptEncoder
from .sample import load_pipeline


def compare(model: Path, tessera: Path, prompt: str, width=64, height=64, frames=9, steps=4, guidance=5.0,
            seed=0) -> dict:
    pipe = load_pipeline(model)
    z = pipe.vae.config.z_dim
    noise = torch.randn(1, z, (frames - 1) // 4 + 1, height // 8, width // 8,
                        generator=torch.Generator().manual_seed(seed))
    enc = PromptEncoder()
    with torch.no_grad():
        out = pipe(prompt_embeds=enc([prompt]), negative_prompt_embeds=enc([""]), latents=noise.clone(),
                   height=height, width=width, num_frames=frames, num_inference_steps=steps,
                   guidance_scale=guidance, output_type="np").frames[0]
    ref = (np.clip(out, 0, 1) * 255).round().astype(np.uint8)                    # (F, H, W, 3)
    with tempfile.TemporaryDirectory() as tmp:
        noise_path = Path(tmp) / "noise.safetensors"
        save_file({"noise": noise.contiguous()}, str(noise_path))
        subprocess.run([str(tessera), "generate", prompt, "--model", str(model), "--noise", str(noise_path),
                        "--steps", str(steps), "--guidance", str(guidance), "--width", str(width), "--height",
                        str(height), "--frames", str(frames), "-o", str(Path(tmp) / "clip"), "--quiet"], check=True,
                       capture_output=True)
        swift, _ = read_clip(Path(tmp) / "clip")
    diff = np.abs(swift.astype(np.int64) - ref.astype(np.int64))
    mse = float((diff.astype(np.float64) ** 2).mean())
    return {"max_abs": int(diff.max()), "mean_abs": float(diff.mean()),
            "psnr": float(10 * np.log10(255.0**2 / max(mse, 1e-12)))}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.parity", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--tessera", type=Path, required=True, help="the Swift CLI binary")
    ap.add_argument("--prompt", default="a red ball bouncing on a grass field")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames", type=int, default=9)
    args = ap.parse_args(argv)
    r = compare(args.model, args.tessera, args.prompt, args.size, args.size, args.frames, args.steps)
    print(f"Swift vs WanPipeline: max |diff| {r['max_abs']}, mean {r['mean_abs']:.2e}, PSNR {r['psnr']:.1f} dB")


if __name__ == "__main__":
    main()
