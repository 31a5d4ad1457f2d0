#!/usr/bin/env python3
"""diffusers' side of `tessera-bench transformer`: seconds per forward of WanTransformer3DModel.

Same config, input sizes and thread count as Sources/tessera-bench/TransformerBenchmark.swift
(the Swift side prints the command it expects). Weights are random (speed does not depend on
their values); the text states are zero-padded to the same length as on the Swift side.

Command: python3 scripts/bench/wan_transformer_torch.py --threads 2 --batch 1 --batch 2
Prints one JSON line per batch size: {"batch": B, "median_s": ..., "runs": [...]}.
"""

import argparse
import json
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, action="append")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = WanTransformer3DModel(**CONFIG).eval()
    params = sum(p.numel() for p in model.parameters())
    for batch in args.batch or [1, 2]:
        latents = torch.randn(batch, *LATENT)
        timestep = torch.tensor([500.0] * batch)
        text = torch.randn(batch, TEXT_LEN, CONFIG["text_dim"])
        runs = []
        with torch.inference_mode():
            for i in range(args.warmup + args.runs):
                start = time.perf_counter()
                model(latents, timestep, text, return_dict=False)
                elapsed = time.perf_counter() - start
                if i >= args.warmup:
                    runs.append(elapsed)
        print(json.dumps({"batch": batch, "median_s": statistics.median(runs), "runs": runs,
                          "parameters": params, "threads": args.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
