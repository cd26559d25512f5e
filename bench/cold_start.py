"""Cold start: import time of each function's handler module in a fresh interpreter, and package sizes.

Prints the median of several runs per function, then the size of each function's deployment
package: its code (``lambda/``, the CodeUri every function shares, copied the way SAM's python
builder copies it, i.e. without caches and compiled files, then zipped as ``sam deploy`` uploads
it) and, when ``sam build`` has built them into ``.aws-sam/build``, its layers (not built in CI).
Run from the repository root: ``python bench/cold_start.py``.
"""

from __future__ import annotations

import fnmatch
import io
import os
import statistics
import subprocess
import sys
import zipfile
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
# aws-lambda-builders' PythonPipWorkflow.EXCLUDED_FILES: what `sam build` leaves out of a python CodeUri.
SAM_EXCLUDED = (
    ".aws-sam", ".chalice", ".git", ".gitignore", "*.pyc", "__pycache__", "*.so", ".Python", "*.egg-info",
    "*.egg", "pip-log.txt", "pip-delete-this-directory.txt", "htmlcov", ".tox", ".nox", ".coverage",
    ".cache", ".pytest_cache", ".python-version", ".mypy_cache", ".dmypy.json", ".pyre", ".env", ".venv",
    "venv", "venv.bak", "env.bak", "ENV", "env", ".vscode", ".idea",
)  # fmt: skip
SAM_BUILD = ROOT / ".aws-sam" / "build"
LAMBDA_LIMIT_MB = 250  # unzipped: function code + all its layers
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


def sam_files(root: Path) -> list[Path]:
    """The files of ``root`` that `sam build` copies into the artifact."""
    files = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(fnmatch.fnmatch(p, pat) for p in parts for pat in SAM_EXCLUDED):
            files.append(path)
    return files


def sizes(root: Path, files: list[Path] | None = None) -> tuple[int, int, int]:
    """(file count, unzipped bytes, zipped bytes as deflate at the default level)."""
    files = files if files is not None else [f for f in root.rglob("*") if f.is_file()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f, f.relative_to(root))
    return len(files), sum(f.stat().st_size for f in files), len(buffer.getvalue())


def function_layers() -> dict[str, list[str]]:
    """Each function's layers (logical ids), Globals' first, from template.yaml."""
    sys.path.insert(0, str(ROOT))
    from ytsb_local.template import load_template, resources_of_type

    template = load_template()
    common = [layer["Ref"] for layer in template["Globals"]["Function"].get("Layers", [])]
    result = {}
    for spec in resources_of_type(template, "AWS::Serverless::Function").values():
        name = spec["Properties"]["Handler"].split(".")[0]
        own = [layer["Ref"] for layer in spec["Properties"].get("Layers", [])]
        result[name] = common + [layer for layer in own if layer not in common]
    return result


def human(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def print_sizes() -> None:
    code_files = sam_files(ROOT / "lambda")
    count, unzipped, zipped = sizes(ROOT / "lambda", code_files)
    print()
    print(f"deployment package: code = lambda/ (the CodeUri of all seven), {count} files as sam build copies")
    layers = function_layers()
    layer_sizes: dict[str, tuple[int, int, int] | None] = {}
    for layer in sorted({name for names in layers.values() for name in names}):
        built = SAM_BUILD / layer
        layer_sizes[layer] = sizes(built) if built.is_dir() and any(built.iterdir()) else None
    print(f"{'function':<18} {'code':>8} {'code zip':>9}  {'layers (unzipped)':<44} total unzipped")
    for name in FUNCTIONS:
        parts, total, missing = [], unzipped, False
        for layer in layers.get(name, []):
            found = layer_sizes[layer]
            parts.append(f"{layer} {human(found[1]) if found else 'not built'}")
            total += found[1] if found else 0
            missing |= found is None
        limit = f"{total / 1024 / 1024:.1f} MB of {LAMBDA_LIMIT_MB}" if not missing else "(layers not built)"
        print(f"{name:<18} {human(unzipped):>8} {human(zipped):>9}  {', '.join(parts):<44} {limit}")
    built = {k: v for k, v in layer_sizes.items() if v}
    for layer, (files, size, packed) in built.items():
        print(f"layer {layer}: {files} files, {human(size)} unzipped, {human(packed)} zipped")
    if len(built) < len(layer_sizes):
        print(
            f"layers not measured: {', '.join(sorted(layer_sizes.keys() - built.keys()))} are not built "
            f"(run `sam build` first; .aws-sam/build/<Layer> is where their sizes are read)"
        )


def main() -> None:
    print(f"python {sys.version.split()[0]}, {RUNS} runs each, median import time of the handler module")
    print(f"{'function':<18} {'import ms':>10} {'min ms':>8}")
    for name in FUNCTIONS:
        import_ms(f"{name}.handler")  # warm the bytecode cache, as a deployed package has it
        samples = [import_ms(f"{name}.handler") for _ in range(RUNS)]
        print(f"{name:<18} {statistics.median(samples):>10.1f} {min(samples):>8.1f}")
    print_sizes()


if __name__ == "__main__":
    main()
