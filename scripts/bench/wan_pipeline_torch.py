#!/usr/bin/env python3
"""diffusers' side of `tessera-bench pipeline`: one whole clip with WanPipeline (diffusers
0.42.1) on the CPU, timed by stage: prompt encoding (all-MiniLM-L6-v2 through transformers'
BertModel, prompt and negative prompt, as Tessera's text_encoder/tessera.json shapes them),
each denoising step (batched guidance: WanPipeline runs cond and uncond as two forwards),
VAE decode, and the whole clip; plus the peak resident memory of this process.

Run by Sources/tessera-bench/PipelineBenchmark.swift, which times Tessera on the same model
folder, prompt, seed-free noise shape, steps and threads; by hand:

    python3 scripts/bench/wan_pipeline_torch.py --make-model .build/bench/pipeline-model
    python3 scripts/bench/wan_pipeline_torch.py --model .build/bench/pipeline-model --threads 2 --runs 3

--make-model DIR writes a model folder in Tessera's layout with seeded random weights (speed
does not depend on their values): the 25M-parameter transformer of `tessera-bench transformer`
(dim 384 = 6 x 64, 10 layers, ffn 1536, text_dim 384), the base_dim-32, z_dim-16 Wan VAE of
`tessera-bench vae`, Wan's UniPC scheduler config (flow_shift 3) and text_encoder/tessera.json
(max_length 64, zero padding).
Prints one JSON line with the medians (wall seconds and CPU seconds of all threads, from
time.process_time), every run, and ru_maxrss.
"""

import argparse
import json
import os
import resource
import statistics
import time

import torch
import transformers
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
from safetensors.torch import load_file

TRANSFORMER = dict(
    patch_size=(1, 2, 2), num_attention_heads=6, attention_head_dim=64, in_channels=16, out_channels=16,
    text_dim=384, freq_dim=256, ffn_dim=1536, num_layers=10, cross_attn_norm=True,
    qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024,
)
VAE = dict(base_dim=32, z_dim=16)  # Wan2.1's other defaults
MAX_LENGTH = 64
PROMPT = "a red ball bouncing on a blue floor next to a green square"
NEGATIVE = "blurry, distorted"


def make_model(path):
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(**TRANSFORMER).eval()
    vae = AutoencoderKLWan(**VAE).eval()
    scheduler = UniPCMultistepScheduler(
        num_train_timesteps=1000, solver_order=2, prediction_type="flow_prediction", predict_x0=True,
        solver_type="bh2", lower_order_final=True, disable_corrector=[], use_flow_sigmas=True, flow_shift=3.0,
        final_sigmas_type="zero")
    pipe = WanPipeline(tokenizer=None, text_encoder=None, vae=vae, transformer=transformer, scheduler=scheduler)
    pipe.save_pretrained(path)
    os.makedirs(os.path.join(path, "text_encoder"), exist_ok=True)
    with open(os.path.join(path, "text_encoder", "tessera.json"), "w") as f:
        json.dump(dict(name="all-MiniLM-L6-v2", hidden_size=384, max_length=MAX_LENGTH, padding="zeros"), f, indent=2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--make-model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--frames", type=int, default=33)
    parser.add_argument("--guidance", type=float, default=5.0)
    parser.add_argument("--text-encoder", default=os.path.join(
        os.environ.get("TESSERA_HOME") or os.path.expanduser("~/.cache/tessera"), "text-encoders", "all-MiniLM-L6-v2"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.make_model:
        make_model(args.make_model)
        return

    load_start = time.perf_counter()
    # Built from config + state dict: from_pretrained needs `accelerate` for Wan's fp32-kept modules.
    transformer = WanTransformer3DModel.from_config(WanTransformer3DModel.load_config(os.path.join(args.model, "transformer")))
    transformer.load_state_dict(load_file(os.path.join(args.model, "transformer", "diffusion_pytorch_model.safetensors")))
    vae = AutoencoderKLWan.from_config(AutoencoderKLWan.load_config(os.path.join(args.model, "vae")))
    vae.load_state_dict(load_file(os.path.join(args.model, "vae", "diffusion_pytorch_model.safetensors")))
    scheduler = UniPCMultistepScheduler.from_pretrained(args.model, subfolder="scheduler")
    pipe = WanPipeline(tokenizer=None, text_encoder=None, transformer=transformer.eval(), vae=vae.eval(), scheduler=scheduler)
    pipe.set_progress_bar_config(disable=True)
    tokenizer = transformers.BertTokenizerFast.from_pretrained(args.text_encoder)
    bert = transformers.BertModel.from_pretrained(args.text_encoder, add_pooling_layer=False).eval()
    load_s = time.perf_counter() - load_start

    def states(text):
        ids = tokenizer(text, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        hidden = bert(**ids).last_hidden_state[0]
        out = torch.zeros(MAX_LENGTH, 384)
        out[: hidden.shape[0]] = hidden
        return out[None]

    # Time the VAE decode inside the pipeline call.
    decode_times, decode_cpu_times = [], []
    original_decode = pipe.vae.decode

    def timed_decode(*a, **k):
        start, cpu = time.perf_counter(), time.process_time()
        result = original_decode(*a, **k)
        decode_times.append(time.perf_counter() - start)
        decode_cpu_times.append(time.process_time() - cpu)
        return result

    pipe.vae.decode = timed_decode
    shape = (1, 16, (args.frames - 1) // 4 + 1, args.height // 8, args.width // 8)
    runs = []
    for run in range(args.runs):
        stamps, cpu_stamps = [], []
        with torch.inference_mode():
            start, cpu_start = time.perf_counter(), time.process_time()
            cond, uncond = states(PROMPT), states(NEGATIVE)
            encode_s, encode_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
            stamps.append(time.perf_counter())
            cpu_stamps.append(time.process_time())

            def on_step(pipeline, i, t, kwargs):
                stamps.append(time.perf_counter())
                cpu_stamps.append(time.process_time())
                return kwargs

            pipe(prompt_embeds=cond, negative_prompt_embeds=uncond, latents=torch.randn(shape, generator=torch.Generator().manual_seed(run)),
                 height=args.height, width=args.width, num_frames=args.frames, num_inference_steps=args.steps,
                 guidance_scale=args.guidance, output_type="np", callback_on_step_end=on_step)
            total_s, total_cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
        steps = [b - a for a, b in zip(stamps, stamps[1:])]
        runs.append(dict(encode_s=encode_s, step_s=statistics.median(steps), denoise_s=sum(steps),
                         decode_s=decode_times[-1], total_s=total_s,
                         encode_cpu_s=encode_cpu_s, step_cpu_s=(cpu_stamps[-1] - cpu_stamps[0]) / len(steps),
                         decode_cpu_s=decode_cpu_times[-1], total_cpu_s=total_cpu_s))
    summary = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(json.dumps(dict(summary, load_s=load_s, runs=runs, peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                          threads=args.threads, torch=torch.__version__, steps=args.steps,
                          size=[args.width, args.height, args.frames])))


if __name__ == "__main__":
    main()
