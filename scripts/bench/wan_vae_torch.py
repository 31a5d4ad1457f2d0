#!/usr/bin/env python3
"""diffusers' side of `tessera-bench vae`: seconds and memory to decode a 33x128x128 clip with
AutoencoderKLWan (diffusers 0.42.1), base_dim 32, z_dim 16, Wan2.1's other defaults
(dim_mult [1, 2, 4, 4], num_res_blocks 2, temperal_downsample [False, True, True]).

Run by Sources/tessera-bench/VAEBenchmark.swift, which times Tessera on the same weights and
latents; by hand:

    python3 scripts/bench/wan_vae_torch.py --threads 2 --runs 3 --save /tmp/vae-bench

With --save DIR it writes DIR/vae/ (save_pretrained; weights are diffusers' seeded random
initialisation: speed does not depend on their values) and DIR/io.safetensors holding the
latents (1, 16, 9, 16, 16) and diffusers' decoded video, so the Swift side decodes the same
thing and reports its PSNR against diffusers.

Prints one JSON line: median seconds per decode, every run, peak resident memory of this
process (ru_maxrss) and its resident memory before the first decode.
"""

import argparse
import json
import os
import resource
import statistics
import time

import torch
from diffusers import AutoencoderKLWan
from safetensors.torch import save_file

CONFIG = dict(base_dim=32, z_dim=16)  # everything else: diffusers' (Wan2.1's) defaults
LATENTS = (1, 16, 9, 16, 16)  # -> (1, 3, 33, 128, 128)


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--save", help="folder for vae/ and io.safetensors (the Swift side's inputs)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vae = AutoencoderKLWan(**CONFIG).eval()
    latents = torch.randn(*LATENTS)
    if args.save:
        vae.save_pretrained(os.path.join(args.save, "vae"), safe_serialization=True)
    before = resident_bytes()
    runs, cpu = [], []
    with torch.inference_mode():
        for i in range(args.warmup + args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            video = vae.decode(latents, return_dict=False)[0]
            elapsed = time.perf_counter() - start
            if i >= args.warmup:
                runs.append(elapsed)
                cpu.append(time.process_time() - start_cpu)
    if args.save:
        save_file({"latents": latents.contiguous(), "decoded": video.contiguous()},
                  os.path.join(args.save, "io.safetensors"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "median_s": statistics.median(runs), "runs": runs, "threads": args.threads,
        "cpu_s": statistics.median(cpu),
        "peak_rss_bytes": peak, "rss_before_decode_bytes": before,
        "output_shape": list(video.shape), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
