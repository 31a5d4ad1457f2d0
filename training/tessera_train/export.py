"""Export trained weights as a Tessera model folder (diffusers' WanPipeline layout).

    python -m tessera_train.export --vae RUN/vae33/checkpoint.pt --transformer RUN/dit/checkpoint.pt \\
        --out ../models/shapes-world-v1 [--eval-world world.json --eval-unseen unseen.json] [--notes "..."]

Writes (fp16 safetensors, under a temporary name, renamed when complete):
  model_index.json                 WanPipeline, tokenizer/text_encoder null (Tessera brings MiniLM)
  transformer/                     WanTransformer3DModel config.json + diffusion_pytorch_model.safetensors
  vae/                             AutoencoderKLWan, latents_mean / latents_std as measured on world clips
  scheduler/scheduler_config.json  UniPCMultistepScheduler, flow prediction, flow_shift = the training shift
  text_encoder/tessera.json        all-MiniLM-L6-v2 states: max_length, zero padding (encode_text.py)
  README.md                        the model card
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from .dit import build_transformer, load_vae, scheduler_for
from .encode_text import tessera_json

MAX_BYTES = 60 * 1024 * 1024


def _rates_table(path: Path | None) -> str:
    if not path:
        return "not measured yet"
    rates = json.loads(Path(path).read_text())["rates"]
    keys = ("color", "shape", "motion", "background", "no_extra", "stable", "all_correct", "size")
    lines = ["| prompts | clips | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for name, r in rates.items():
        if r:
            lines.append(f"| {name} | {r['clips']} | " + " | ".join(f"{100 * r[k]:.1f} %" for k in keys) + " |")
    return "\n".join(lines)


def _read_log(run_dir: Path) -> list[dict]:
    p = run_dir / "log.jsonl"
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def model_card(name: str, vae_state: dict, dit_state: dict, vae_path: Path, dit_path: Path, args) -> str:
    template = (Path(__file__).with_name("model_card.md")).read_text()
    vae_log, dit_log = _read_log(vae_path.parent), _read_log(dit_path.parent)
    psnr = [r for r in vae_log if "psnr_per_frame" in r]
    last_psnr = psnr[-1] if psnr else None
    fields = {
        "name": name,
        "vae_preset": vae_state["config"]["preset"],
        "vae_steps": vae_state["step"],
        "vae_args": vae_state.get("args", {}),
        "vae_time": vae_log[-1]["time_s"] if vae_log else "?",
        "vae_psnr": (f"min {last_psnr['eval_psnr_min']:.1f} dB, mean {last_psnr['eval_psnr_mean']:.1f} dB; per frame: "
                     + ", ".join(f"{p:.1f}" for p in last_psnr["psnr_per_frame"])) if last_psnr else "not measured",
        "dit_preset": dit_state["config"]["preset"],
        "dit_params": f"{dit_state.get('parameters', 0) / 1e6:.1f}M",
        "dit_steps": dit_state["step"],
        "dit_args": dit_state.get("args", {}),
        "dit_time": dit_log[-1]["time_s"] if dit_log else "?",
        "dit_loss": next((f"{r['loss']:.4f}" for r in reversed(dit_log) if "loss" in r), "?"),
        "shift": dit_state["config"]["shift"],
        "hardware": args.hardware,
        "eval_world": _rates_table(args.eval_world),
        "eval_unseen": _rates_table(args.eval_unseen),
        "notes": args.notes or "",
    }
    return template.format(**fields)


def export(vae_path: Path, dit_path: Path, out: Path, args) -> None:
    from diffusers import WanPipeline

    vae, mean, std, vae_cfg = load_vae(vae_path)
    if "latents_mean" not in vae_cfg:
        raise ValueError(f"{vae_path}: no measured latents_mean/std; finish the VAE run (it measures them at the end)")
    vae.register_to_config(latents_mean=[float(v) for v in mean], latents_std=[float(v) for v in std])
    dit_state = torch.load(dit_path, map_location="cpu", weights_only=False)
    transformer = build_transformer(dit_state["config"]["preset"], dit_state["config"]["z_dim"])
    transformer.load_state_dict(dit_state["model"])
    pipe = WanPipeline(tokenizer=None, text_encoder=None, vae=vae.to(torch.float16),
                       transformer=transformer.to(torch.float16).eval(),
                       scheduler=scheduler_for(dit_state["config"]["shift"]))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent))
    try:
        pipe.save_pretrained(tmp, safe_serialization=True)
        (tmp / "text_encoder").mkdir(exist_ok=True)
        (tmp / "text_encoder" / "tessera.json").write_text(json.dumps(tessera_json(), indent=2) + "\n")
        vae_state = torch.load(vae_path, map_location="cpu", weights_only=False)
        (tmp / "README.md").write_text(model_card(out.name, vae_state, dit_state, vae_path, dit_path, args))
        total = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file())
        if total > MAX_BYTES:
            raise ValueError(f"exported model is {total / 2**20:.1f} MiB, over the 60 MiB limit: use a smaller preset")
        for f in tmp.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
        tmp.chmod(0o755)
        if out.exists():
            if not args.overwrite:
                raise FileExistsError(f"{out} exists: pass --overwrite to replace it")
            shutil.rmtree(out)
        os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    print(f"exported {out} ({total / 2**20:.1f} MiB)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tessera_train.export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", type=Path, required=True)
    ap.add_argument("--transformer", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--eval-world", type=Path, help="report JSON of `tessera_train.eval score` on world prompts")
    ap.add_argument("--eval-unseen", type=Path, help="report JSON on the unseen phrasings")
    ap.add_argument("--hardware", default="2 shared CPU cores (x86-64), no accelerator")
    ap.add_argument("--notes", default="")
    ap.add_argument("--overwrite", action="store_true")
    args = ap.parse_args(argv)
    export(args.vae, args.transformer, args.out, args)


if __name__ == "__main__":
    main()
