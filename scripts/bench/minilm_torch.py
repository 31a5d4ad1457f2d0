#!/usr/bin/env python3
"""PyTorch's side of `tessera-bench embed`: prompt-encoding latency of all-MiniLM-L6-v2.

Same prompts, runs and thread count as Sources/tessera-bench/EmbedBenchmark.swift (the Swift
side runs this script and prints both sides in one table). Two reference paths per prompt:
  sentence-transformers: SentenceTransformer(dir).encode(prompt) (tokenize, BertModel, mean
                         pooling, Normalize): what Tessera's PromptEncoder.encode matches;
  transformers:          BertTokenizer + BertModel forward under torch.inference_mode (hidden
                         states only, no pooling): the bare model.

Command: python3 scripts/bench/minilm_torch.py --threads 2 --runs 20 --prompts prompts.json
(prompts.json: {"cases": [{"name": ..., "prompts": [...]}]}, written by the Swift side).
Prints one JSON line per case: {"case": ..., "tokens": [...], "st_median_s": ..., "st_cpu_s": ...,
"hf_median_s": ..., "hf_cpu_s": ...} (medians of wall and of CPU seconds, user + system of all threads)
and one for loading: {"case": "load", "st_load_s": ...}.
"""

import argparse
import json
import os
import statistics
import time

import torch

HOME = os.environ.get("TESSERA_HOME", os.path.expanduser("~/.cache/tessera"))
MODEL_DIR = os.path.join(HOME, "text-encoders", "all-MiniLM-L6-v2")


def median_time(fn, runs, warmup):
    """Median wall seconds and median CPU seconds (user + system, all threads) per call."""
    times, cpu = [], []
    for i in range(warmup + runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        elapsed, cpu_elapsed = time.perf_counter() - start, time.process_time() - cpu_start
        if i >= warmup:
            times.append(elapsed)
            cpu.append(cpu_elapsed)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--prompts", required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)

    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    start = time.perf_counter()
    st = SentenceTransformer(MODEL_DIR, device="cpu")
    st_load = time.perf_counter() - start
    print(json.dumps({"case": "load", "st_load_s": st_load}), flush=True)
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    bert = AutoModel.from_pretrained(MODEL_DIR).eval()

    cases = json.load(open(args.prompts, encoding="utf-8"))["cases"]
    for case in cases:
        prompts = case["prompts"]
        lengths = [len(tokenizer(p, truncation=True, max_length=256)["input_ids"]) for p in prompts]

        def run_st():
            st.encode(prompts, batch_size=len(prompts), convert_to_numpy=True)

        def run_hf():
            with torch.inference_mode():
                features = tokenizer(prompts, padding=True, truncation=True, max_length=256, return_tensors="pt")
                bert(**features)

        st_median, st_cpu = median_time(run_st, args.runs, args.warmup)
        hf_median, hf_cpu = median_time(run_hf, args.runs, args.warmup)
        print(json.dumps({"case": case["name"], "tokens": lengths, "st_median_s": st_median,
                          "st_cpu_s": st_cpu, "hf_median_s": hf_median, "hf_cpu_s": hf_cpu,
                          "threads": args.threads, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
