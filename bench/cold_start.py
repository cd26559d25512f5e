"""Cold start: import time of each function's handler module in a fresh interpreter.

Prints the median of several runs per function, and the size of what each function imports
beyond the standard library is not measured here: the deployment package is `lambda/` plus its
layers (see template.yaml). Run from the repository root: `python bench/cold_start.py`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = (
    "submit_video",
    "get_video",
    "list_videos",
    "get_note",
    "purchase_credits",
    "stripe_webhook",
    "process_video",
)
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PROBE = (
    "import time; t = time.perf_counter(); import importlib; "
    "importlib.import_module('{module}'); print((time.perf_counter() - t) * 1000)"
)


def import_ms(module: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lambda"), "PYTHONDONTWRITEBYTECODE": "0"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return float(result.stdout.strip())


def package_kib(path: Path) -> float:
    files = (f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    return sum(f.stat().st_size for f in files) / 1024


def main() -> None:
    print(f"python {sys.version.split()[0]}, {RUNS} runs each, median import time of the handler module")
    print(f"{'function':<18} {'import ms':>10} {'min ms':>8}")
    for name in FUNCTIONS:
        import_ms(f"{name}.handler")  # warm the bytecode cache, as a deployed package has it
        samples = [import_ms(f"{name}.handler") for _ in range(RUNS)]
        print(f"{name:<18} {statistics.median(samples):>10.1f} {min(samples):>8.1f}")
    print(f"function code (lambda/, shared by all seven): {package_kib(ROOT / 'lambda'):.0f} KiB")


if __name__ == "__main__":
    main()
