#!/usr/bin/env python3
"""Differential check: Tessera's safetensors validator against the reference implementation.

For every input in the given folders (default Fuzz/corpus and Fuzz/regressions), asks both
Python's `safetensors` (the Rust reference, `safe_open` + reading every tensor) and
Tessera's replay tool (`SafetensorsFuzzer --verdicts`, a plain `swift build` of the
target) whether the file is valid, and prints every disagreement. Tessera is deliberately
stricter in two ways: duplicate JSON keys anywhere and unknown fields in a tensor entry are
rejected (the reference keeps the last duplicate and ignores unknown fields).

    swift build -c release --product SafetensorsFuzzer
    python3 Fuzz/differential.py [.build/release/SafetensorsFuzzer] [FOLDER...]
"""

import os
import subprocess
import sys
import tempfile

sys.path = [p for p in sys.path if not p.endswith("scripts/fixtures")]

from safetensors import safe_open  # noqa: E402


def reference_accepts(path: str) -> tuple:
    # safe_open validates the whole header and the offsets against the file size; reading a
    # tensor afterwards can only fail for want of a numpy dtype (bf16, f8, f4...).
    try:
        with safe_open(path, framework="numpy") as f:
            f.keys()
        return True, ""
    except Exception as error:  # noqa: BLE001 - any rejection counts
        return False, (str(error).splitlines() or [type(error).__name__])[0][:120]


def main() -> None:
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/release/SafetensorsFuzzer")
    folders = sys.argv[2:] or [os.path.join(root, "Fuzz/corpus"), os.path.join(root, "Fuzz/regressions")]
    files = sorted(os.path.join(d, n) for d in folders if os.path.isdir(d) for n in os.listdir(d))
    ours = {}
    run = subprocess.run([tool, "--verdicts", *files], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{tool} failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    out = run.stdout
    for line in out.splitlines():
        if line.startswith("accept "):
            ours[line[7:]] = (True, "")
        elif line.startswith("reject SafetensorsError: "):
            rest = line[len("reject SafetensorsError: "):]
            for f in files:
                if rest.startswith(f + ": "):
                    ours[f] = (False, rest[len(f) + 2:])
    agree = differ = 0
    for f in files:
        # The reference reads from a file; the header's length prefix is checked the same way.
        mine = ours.get(f)
        theirs = reference_accepts(f)
        if mine is None:
            print(f"?? {f}: no verdict from {tool}")
            continue
        if mine[0] == theirs[0]:
            agree += 1
        else:
            differ += 1
            print(f"{os.path.basename(f)}: tessera {'accepts' if mine[0] else 'rejects'} ({mine[1]}), "
                  f"reference {'accepts' if theirs[0] else 'rejects'} ({theirs[1]})")
    print(f"{agree} agree, {differ} differ, of {len(files)} inputs")


if __name__ == "__main__":
    main()
