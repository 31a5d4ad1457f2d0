#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus into Fuzz/corpus/: small valid safetensors files written by
Python's `safetensors`, and invalid variants, one per rejection of the reference validator.

Run by hand from the repository root:  python3 Fuzz/make_seed_corpus.py
"""

import os
import struct
import sys

# scripts/fixtures/safetensors_files.py must not shadow the package (not on the path here, but be safe).
sys.path = [p for p in sys.path if not p.endswith("scripts/fixtures")]

import torch  # noqa: E402
from safetensors.torch import save  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def raw(header: bytes, data: bytes = b"", length=None) -> bytes:
    return struct.pack("<Q", len(header) if length is None else length) + header + data


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    g = torch.Generator().manual_seed(7)
    seeds["valid-f32"] = save({"w": torch.randn(2, 3, generator=g)})
    seeds["valid-mixed"] = save({
        "a": torch.randn(3, generator=g).to(torch.float16),
        "b": torch.randn(2, 2, generator=g).to(torch.bfloat16),
        "c": torch.tensor([1, -2], dtype=torch.int64),
        "d": torch.tensor([True, False]),
        "e": torch.tensor(2.5, dtype=torch.float64),
        "f": torch.zeros(0, 3),
        "g": torch.tensor([1, 2, 3], dtype=torch.uint8),
    }, metadata={"format": "pt", "k": "v"})
    seeds["valid-empty"] = save({})
    seeds["valid-unaligned"] = raw(b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\x00\x00\x80\x3f")
    seeds["valid-f4"] = raw(b'{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}', b"\x12")
    seeds["valid-escapes"] = raw('{"\\u00e9\\ud83d\\ude00\\n":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}'.encode(), b"\x05")
    seeds["bad-short"] = b"\x02\x00\x00"
    seeds["bad-length-huge"] = raw(b"{}", length=0xFFFFFFFFFFFFFFFF)
    seeds["bad-length-outside"] = raw(b"{}", length=40)
    seeds["bad-utf8"] = raw(b'{"\xc3\x28":{}}')
    seeds["bad-json"] = raw(b'{"w":{"dtype":"F32",}}')
    seeds["bad-not-object"] = raw(b"[1,2]")
    seeds["bad-duplicate"] = raw(b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"\x00\x00")
    seeds["bad-metadata"] = raw(b'{"__metadata__":{"a":1}}')
    seeds["bad-dtype"] = raw(b'{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', bytes(16))
    seeds["bad-hole"] = raw(b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"\x00\x00")
    seeds["bad-overlap"] = raw(b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', bytes(3))
    seeds["bad-size"] = raw(b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', bytes(4))
    seeds["bad-overflow"] = raw(b'{"w":{"dtype":"F64","shape":[1152921504606846976,16],"data_offsets":[0,8]}}', bytes(8))
    seeds["bad-trailing"] = raw(b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x00\x00")
    seeds["bad-deep"] = raw(b'{"__metadata__":' + b"[" * 200 + b"]" * 200 + b"}")
    # Valid for the reference, rejected by Tessera on purpose (see Sources/TesseraWeights/SafetensorsHeader.swift).
    seeds["strict-unknown-field"] = raw(b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":0}}', b"\x00")
    seeds["strict-duplicate-metadata-key"] = raw(b'{"__metadata__":{"a":"1","a":"2"}}')
    seeds["strict-duplicate-tensor"] = raw(b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x00")
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
