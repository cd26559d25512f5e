"""The notes CLI's import time with the engine layer as built, as Lambda runs it.

Lambda's /opt is read-only, so Python cannot cache bytecode there: what the layer ships is what every
CLI start gets. This imports anthropic, yt-dlp and the CLI from the built layer with python3.13 (the
runtime; ``RUNTIME_PYTHON`` names another) and ``PYTHONDONTWRITEBYTECODE`` (as on /opt), once with the
layer's bytecode and once with it hidden (what a layer compiled by another Python gives).
The layer: ``ENGINE_LAYER`` or ``.aws-sam/build/EngineLayer``; build one for this machine with
``make -C layers/engine build-EngineLayer ARTIFACTS_DIR=/tmp/engine WHEEL_PLATFORM="--platform
manylinux2014_x86_64 --only-binary=:all: --python-version 3.13 --implementation cp"``.
Skipped (a message, exit 0) when there is no layer or no Python 3.13.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
IMPORTS = "import anthropic, yt_dlp, yt_study_buddy.cli"


def _time_import(python: str, layer: Path) -> float:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([python, "-c", IMPORTS], env=env, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    layer = Path(os.environ.get("ENGINE_LAYER") or ROOT / ".aws-sam/build/EngineLayer") / "python"
    python = shutil.which(os.environ.get("RUNTIME_PYTHON", "python3.13"))
    if not layer.is_dir() or python is None:
        print(
            f"cli import: skipped (layer {layer} built: {layer.is_dir()}; python3.13 found: {bool(python)})"
        )
        return 0
    with_bytecode = _time_import(python, layer)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "python"
        shutil.copytree(layer, bare, ignore=shutil.ignore_patterns("__pycache__"))
        without = _time_import(python, bare)
    summary = f"{with_bytecode:.2f} s with the layer's bytecode, {without:.2f} s without"
    print(f"cli import (median of {RUNS}): {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
