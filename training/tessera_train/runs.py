"""Run folders: seeding, checkpoints that resume (weights, optimiser, RNG states), JSONL logs."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str | None) -> torch.device:
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def save_checkpoint(path: Path, **state) -> None:
    """torch.save under a temporary name, then rename: an interrupted save never looks complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state["rng"] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["rng"]["cuda"] = torch.cuda.get_rng_state_all()
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    """The saved state; call `restore_rng(state)` once the model is built (building draws random numbers)."""
    return torch.load(path, map_location=map_location, weights_only=False)


def restore_rng(state: dict | None) -> None:
    rng = (state or {}).get("rng")
    if rng:
        torch.set_rng_state(rng["torch"])
        np.random.set_state(rng["numpy"])
        random.setstate(rng["python"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])


class Log:
    """Appends one JSON object per line to RUN/log.jsonl and echoes a short line."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.start = time.time()

    def __call__(self, **record) -> None:
        record.setdefault("time_s", round(time.time() - self.start, 1))
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()
                       if not isinstance(v, (list, dict))), flush=True)
