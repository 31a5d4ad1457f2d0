#!/usr/bin/env python3
"""diffusers' side of `tessera-bench transformer`: one forward of WanTransformer3DModel per request.

Same config, input sizes and thread count as Sources/tessera-bench/TransformerBenchmark.swift.
Weights are random (speed does not depend on their values); text states have the same length
as on the Swift side.

Serving mode (what the benchmark uses, so the two sides alternate run by run and share the
machine's load fairly): prints {"ready": true, ...} once the model is built, then for each line
"B" read from stdin runs one forward at batch B and prints
{"batch": B, "seconds": wall, "cpu_seconds": process CPU time}. On EOF prints
{"peak_rss_bytes": ...} and exits.

Standalone: python3 scripts/bench/wan_transformer_torch.py --threads 2 --standalone --batch 1 --batch 2
prints one JSON line per batch size with the median of --runs forwards after --warmup.
"""

import argparse
import json
import resource
import statistics
import sys
import time

import torch
from diffusers import WanTransformer3DModel

# Keep in sync with TransformerBenchmark.swift (`benchmarkConfig`).
CONFIG = dict(
    patch_size=(1, 2, 2), num_attention_heads=6, attention_head_dim=64, in_channels=16, out_channels=16,
    text_dim=384, freq_dim=256, ffn_dim=1536, num_layers=10, cross_attn_norm=True,
    qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024,
)
LATENT = (16, 9, 16, 16)  # (C, F, H, W) -> 9 * 8 * 8 = 576 tokens
TEXT_LEN = 32


def forward(model, batch):
    latents = torch.randn(batch, *LATENT)
    timestep = torch.tensor([500.0] * batch)
    text = torch.randn(batch, TEXT_LEN, CONFIG["text_dim"])
    with torch.inference_mode():
        wall, cpu = time.perf_counter(), time.process_time()
        model(latents, timestep, text, return_dict=False)
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--standalone", action="store_true")
    parser.add_argument("--batch", type=int, action="append")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = WanTransformer3DModel(**CONFIG).eval()
    params = sum(p.numel() for p in model.parameters())
    info = {"parameters": params, "threads": args.threads, "torch": torch.__version__}

    if not args.standalone:
        print(json.dumps({"ready": True, **info}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            batch = int(line)
            wall, cpu = forward(model, batch)
            print(json.dumps({"batch": batch, "seconds": wall, "cpu_seconds": cpu}), flush=True)
        print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), flush=True)
        return

    for batch in args.batch or [1, 2]:
        runs = [forward(model, batch)[0] for _ in range(args.warmup + args.runs)][args.warmup:]
        print(json.dumps({"batch": batch, "median_s": statistics.median(runs), "runs": runs, **info}))


if __name__ == "__main__":
    main()
