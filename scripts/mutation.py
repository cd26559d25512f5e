"""Mutation testing of the money, auth and processing modules with cosmic-ray (``make mutation``).

    python scripts/mutation.py [MODULE ...]            run, then print the score per module
    python scripts/mutation.py --report [MODULE ...]   print the score of the last run only
    python scripts/mutation.py --survivors MODULE ...  run the last run's survivors again (after a new test)

cosmic-ray edits each mutated file in place, so everything runs in a fresh copy of the repository
(``--workdir``, default /tmp/ytsb-mutation), never in the working tree, and at the lowest priority
with one worker. Each mutant runs only the tests that execute its line: the module's integration
tests (``MODULES``) run once under coverage with one context per test (pytest-cov), and the mutated
line's statement is looked up in that map (``--run-mutant``, cosmic-ray's test command); a line run
at import time (a constant, a default, a signature) runs them all, a line no test runs survives at
once. The tests stop at the first failure, those that killed most mutants so far first. A mutant
is killed when they fail or time out. Mutants inside annotations are not run: with ``from __future__
import annotations`` an annotation is never evaluated, so no test can tell them apart. The other
mutants that cannot be killed are listed, each with its reason, in tests/mutation/equivalent.toml.
The score is killed / (mutants - equivalent); the exit status is 1 if a module scores under ``TARGET``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = ROOT / "tests" / "mutation" / "equivalent.toml"
TARGET = 0.95
COPY_IGNORED = (".venv", ".git", ".ytsb", "test-results", ".pytest_cache", ".ruff_cache", "__pycache__")
IT = "tests/integration/"
# lambda/shared/<module>.py -> the tests that exercise it, those that kill most mutants soonest first.
MODULES: dict[str, tuple[str, ...]] = {
    "ledger": tuple(
        IT + name
        for name in (
            "test_money_gaps.py",
            "test_double_guards.py",
            "test_credits.py",
            "test_submit_video.py",
            "test_mutation_gaps.py",
            "test_stripe_webhook.py",
            "test_money_abuse.py",
            "test_video_actions.py",
        )
    ),
    "payments": tuple(
        IT + name
        for name in (
            "test_money_gaps.py",
            "test_credits.py",
            "test_mutation_gaps.py",
            "test_stripe_webhook.py",
            "test_money_abuse.py",
            "test_secrets.py",
            "test_engine_health.py",
        )
    ),
    "auth": tuple(
        IT + name
        for name in (
            "test_double_guards.py",
            "test_auth.py",
            "test_mutation_gaps.py",
            "test_submit_video.py",
            "test_money_abuse.py",
        )
    ),
    "videos": tuple(
        IT + name
        for name in (
            "test_submit_video.py",
            "test_get_video_and_note.py",
            "test_list_videos.py",
            "test_mutation_gaps.py",
            "test_processing_gaps.py",
            "test_transcript_upload.py",
            "test_money_abuse.py",
            "test_video_actions.py",
            "test_faults.py",
            "test_engine_health.py",
        )
    ),
    "processing": tuple(
        IT + name
        for name in (
            "test_processing_gaps.py",
            "test_process_video.py",
            "test_mutation_gaps.py",
            "test_secrets.py",
            "test_retry_backoff.py",
            "test_worker_kill.py",
            "test_faults.py",
            "test_engine_health.py",
        )
    ),
    "video_actions": tuple(
        IT + name for name in ("test_video_actions.py", "test_mutation_gaps.py", "test_engine_health.py")
    ),
}
# One process, no plugins the integration tests do not use (each mutant pays pytest's start-up).
PYTEST = (
    "-m pytest -x -q -p no:cacheprovider -p no:xdist -p no:hypothesispytest -p no:playwright "
    "-p no:base_url -p tests.mutation.killers_first -o addopts=--import-mode=importlib"
)
ANNOTATION = "in an annotation, never evaluated (from __future__ import annotations)"


@dataclass(frozen=True)
class Mutant:
    line: int
    operator: str
    code: str  # the original line, stripped
    mutant: str  # the mutated line, stripped
    outcome: str  # killed, survived, timeout or annotation
    function: str = ""  # the function the line is in ("" at module level)


@dataclass(frozen=True)
class Score:
    module: str
    killed: int
    equivalent: int
    survivors: tuple[Mutant, ...]
    total: int

    @property
    def ratio(self) -> float:
        counted = self.total - self.equivalent
        return self.killed / counted if counted else 1.0


def test_files(module: str) -> tuple[str, ...]:
    """The module's test files that exist (a gap file may not have been written yet)."""
    return tuple(path for path in MODULES[module] if (ROOT / path).is_file())


def copy_repository(workdir: Path, name: str) -> Path:
    copy = workdir / name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*COPY_IGNORED))
    return copy


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are, as ((line, col), (end_line, end_col))."""
    tree = ast.parse(source)
    if not any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    ):
        return []  # annotations are evaluated: a mutant there is an ordinary one
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
            found += [arg.annotation for arg in every if arg.annotation is not None]
            if node.returns is not None:
                found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return [((n.lineno, n.col_offset), (n.end_lineno or n.lineno, n.end_col_offset or 0)) for n in found]


def in_annotation(position: tuple[int, int], spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    return any(start <= position < end for start, end in spans)


def write_config(module: str, workdir: Path, timeout: float) -> Path:
    """The session's cosmic-ray config: the module, the test command (this script, which runs the
    tests of the mutated line) and the time a mutant may take."""
    command = f"{sys.executable} {Path(__file__).resolve()} --workdir {workdir} --run-mutant {module}"
    config = workdir / f"{module}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "lambda/shared/{module}.py"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n'
        '[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )
    return config


ALL = "*"  # in the map: the line runs at import time, so every test of the module may notice


def statement_lines(source: str) -> dict[int, tuple[int, ...]]:
    """Each line -> the lines of the innermost statement it belongs to (a compound statement's
    header only: ``if``, ``def``, ``for``...), where coverage may have recorded it running."""
    units: dict[int, tuple[int, ...]] = {}
    sizes: dict[int, int] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.stmt):
            continue
        end = node.end_lineno or node.lineno
        body = [
            child
            for field in ("body", "orelse", "finalbody", "handlers")
            for child in getattr(node, field, [])
        ]
        if body and isinstance(body[0], ast.AST) and hasattr(body[0], "lineno"):
            end = min(end, min(child.lineno for child in body) - 1)  # the header, not the body
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        span = tuple(range(first, max(first, end) + 1))
        for line in span:
            if line not in sizes or len(span) < sizes[line]:
                units[line], sizes[line] = span, len(span)
    return units


def covering_tests(source: str, contexts: dict[int, list[str]]) -> dict[int, list[str]]:
    """Line -> the test node ids that ran its statement (pytest-cov contexts "nodeid|phase"), or
    [ALL] if it ran at import time (empty context), or [] if nothing ran it."""
    result: dict[int, list[str]] = {}
    for line, unit in statement_lines(source).items():
        found = {context for covered in unit for context in contexts.get(covered, [])}
        if "" in found:
            result[line] = [ALL]
        else:
            result[line] = sorted({context.rpartition("|")[0] or context for context in found})
    return result


def map_tests(module: str, copy: Path, workdir: Path) -> None:
    """Run the module's tests once under coverage, one context per test, and keep which tests run
    each line (``<module>.tests.json``). Fails if the tests fail without any mutant."""
    from coverage import CoverageData

    data_file, rc = workdir / f"{module}.coverage", workdir / f"{module}.coveragerc"
    rc.write_text(
        f"[run]\ninclude = */lambda/shared/{module}.py\ndata_file = {data_file}\n", encoding="utf-8"
    )
    data_file.unlink(missing_ok=True)
    coverage = f"--cov --cov-config={rc} --cov-context=test --cov-report="
    command = f"{sys.executable} {PYTEST} {coverage} {' '.join(test_files(module))}".split()
    baseline = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
    if baseline.returncode != 0:
        sys.exit(f"{module}: the tests fail without any mutant:\n{baseline.stdout[-3000:]}")
    data = CoverageData(basename=str(data_file))
    data.read()
    (measured,) = [f for f in data.measured_files() if f.endswith(f"/lambda/shared/{module}.py")]
    source = (copy / "lambda" / "shared" / f"{module}.py").read_text(encoding="utf-8")
    table = covering_tests(source, data.contexts_by_lineno(measured))
    (workdir / f"{module}.tests.json").write_text(json.dumps(table), encoding="utf-8")


def mutated_line(original: str, mutated: str) -> int:
    """The first line (1-based) where the mutated module differs from the original."""
    pairs = zip(original.splitlines(), mutated.splitlines(), strict=False)
    return next((i for i, (a, b) in enumerate(pairs, start=1) if a != b), 1)


def run_mutant(module: str, workdir: Path) -> int:
    """cosmic-ray's test command, run in the copy with the mutant applied: the tests of the mutated
    line. Exit 0 (survived) when no test runs that line."""
    original = (workdir / f"{module}.py.orig").read_text(encoding="utf-8")
    mutated = Path("lambda", "shared", f"{module}.py").read_text(encoding="utf-8")
    line = mutated_line(original, mutated)
    table: dict[str, list[str]] = json.loads((workdir / f"{module}.tests.json").read_text(encoding="utf-8"))
    tests = table.get(str(line), [ALL])
    if not tests:
        print(f"no test runs line {line}")
        return 0
    selected = list(test_files(module)) if ALL in tests else tests
    return subprocess.run([sys.executable, *PYTEST.split(), *selected], check=False).returncode


def execute(module: str, copy: Path, workdir: Path) -> None:
    """Run the session's pending mutants, the tests that killed most first (killers_first.py)."""
    config, session = workdir / f"{module}.toml", workdir / f"{module}.sqlite"
    killers = {"YTSB_MUTATION_KILLERS": str(workdir / f"{module}.killers.json")}
    print(f"== {module}: {len(test_files(module))} test files", flush=True)
    command = [sys.executable, "-m", "cosmic_ray.cli", "exec", str(config), str(session)]
    subprocess.run(command, cwd=copy, check=True, env={**os.environ, **killers})


def run_module(module: str, copy: Path, workdir: Path) -> None:
    """Baseline, init, skip the annotation mutants, exec: the results stay in ``<module>.sqlite``."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    started = time.monotonic()
    session, source = workdir / f"{module}.sqlite", copy / "lambda" / "shared" / f"{module}.py"
    shutil.copyfile(source, workdir / f"{module}.py.orig")  # what the mutants' positions refer to
    map_tests(module, copy, workdir)
    config = write_config(module, workdir, max(60.0, 3 * (time.monotonic() - started)))
    session.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", "init", str(config), str(session)], cwd=copy, check=True
    )
    spans = annotation_spans(source.read_text(encoding="utf-8"))
    with use_db(str(session), WorkDB.Mode.open) as db:
        skipped = [
            item.job_id for item in db.work_items if in_annotation(tuple(item.mutations[0].start_pos), spans)
        ]
        db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=ANNOTATION))
    execute(module, copy, workdir)


def rerun_survivors(module: str, copy: Path, workdir: Path) -> None:
    """Run the last run's survivors again against today's tests (after a test was added for one).

    Only while the module is as it was: the mutants' positions refer to that code.
    """
    original, current = workdir / f"{module}.py.orig", ROOT / "lambda" / "shared" / f"{module}.py"
    if not original.exists() or original.read_bytes() != current.read_bytes():
        sys.exit(f"{module}: the code changed since its last run (or it never ran): run it again")
    timeout = tomllib.loads((workdir / f"{module}.toml").read_text(encoding="utf-8"))["cosmic-ray"]["timeout"]
    map_tests(module, copy, workdir)  # today's tests
    write_config(module, workdir, timeout)
    with sqlite3.connect(workdir / f"{module}.sqlite") as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")  # pending again
    execute(module, copy, workdir)


def changed_lines(diff: str) -> tuple[str, str]:
    """The first removed and added line of a unified diff, stripped."""
    removed = next(
        (line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")), ""
    )
    added = next(
        (line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")), ""
    )
    return removed.strip(), added.strip()


def enclosing_functions(source: str) -> dict[int, str]:
    """Line -> the name of the innermost function it is in."""
    names: dict[int, str] = {}
    for node in sorted(
        (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
        key=lambda n: n.lineno,
    ):  # outer functions first, so an inner one overwrites its lines
        names.update(dict.fromkeys(range(node.lineno, (node.end_lineno or node.lineno) + 1), node.name))
    return names


def mutants(session: Path, source: str = "") -> list[Mutant]:
    """The session's mutants; ``source`` (the module as mutated) names each line's function."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    functions = enclosing_functions(source) if source else {}
    found = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            spec = item.mutations[0]
            code, mutant = changed_lines(result.diff or "")
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                outcome = "annotation"
            elif result.test_outcome == TestOutcome.SURVIVED:
                outcome = "survived"
            elif result.output == "timeout":
                outcome = "timeout"
            else:
                outcome = "killed"
            line = spec.start_pos[0]
            found.append(Mutant(line, spec.operator_name, code, mutant, outcome, functions.get(line, "")))
    return sorted(found, key=lambda m: (m.line, m.operator))


def pending_count(session: Path) -> int:
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        return sum(1 for _ in db.pending_work_items)


Listed = tuple[str, str, str]  # (code, mutant, function or "" for any)


def load_equivalents(path: Path = EQUIVALENT_FILE) -> dict[str, dict[Listed, str]]:
    """module -> (code, mutant, function) -> reason. ``function`` is needed where the same line of
    code occurs in several functions ("return False"): the entry then holds in that one only."""
    table: dict[str, dict[Listed, str]] = {}
    for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", []):
        key = (entry["code"].strip(), entry["mutant"].strip(), entry.get("function", ""))
        table.setdefault(entry["module"], {})[key] = entry["reason"]
    return table


def listed(mutant: Mutant, equivalents: dict[Listed, str]) -> Listed | None:
    """The entry that lists ``mutant`` as equivalent, if any."""
    for function in (mutant.function, ""):
        if (mutant.code, mutant.mutant, function) in equivalents:
            return (mutant.code, mutant.mutant, function)
    return None


def score(module: str, found: list[Mutant], equivalents: dict[Listed, str]) -> Score:
    """A listed mutant counts as equivalent only if it survived (one that is killed was not equivalent)."""
    survived = [m for m in found if m.outcome == "survived"]
    survivors = [m for m in survived if listed(m, equivalents) is None]
    equivalent = sum(m.outcome == "annotation" for m in found) + len(survived) - len(survivors)
    killed = sum(m.outcome in ("killed", "timeout") for m in found)
    return Score(module, killed, equivalent, tuple(survivors), len(found))


def report(modules: list[str], workdir: Path) -> int:
    equivalents = load_equivalents()
    failed = False
    for module in modules:
        session = workdir / f"{module}.sqlite"
        if not session.exists():
            print(f"{module:14} not run")
            failed = True
            continue
        original = workdir / f"{module}.py.orig"
        source = original.read_text(encoding="utf-8") if original.exists() else ""
        found, pending = mutants(session, source), pending_count(session)
        result = score(module, found, equivalents.get(module, {}))
        outcomes = Counter(m.outcome for m in found)
        print(
            f"{module:14} {result.killed:4} killed / {result.total - result.equivalent:4} non-equivalent = "
            f"{result.ratio:6.1%}   ({result.total} mutants: {outcomes['annotation']} in annotations, "
            f"{result.equivalent - outcomes['annotation']} listed equivalent, "
            f"{outcomes['timeout']} timed out{f', {pending} NOT RUN YET' if pending else ''})"
        )
        for m in result.survivors:
            print(f"    survived  line {m.line:4} {m.operator}\n        - {m.code}\n        + {m.mutant}")
        used = {listed(m, equivalents.get(module, {})) for m in found if m.outcome == "survived"}
        for code, mutant, _ in sorted(set(equivalents.get(module, {})) - used):
            print(f"    stale equivalent (no such survivor now): {code!r} -> {mutant!r}")
        failed = failed or pending > 0 or result.ratio < TARGET
    verdict = "NOT MET" if failed else "met"
    print(f"target: {TARGET:.0%} of non-equivalent mutants killed in every module: {verdict}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ytsb-mutation")
    parser.add_argument("--report", action="store_true", help="only print the score of the last run")
    parser.add_argument(
        "--survivors", action="store_true", help="run the last run's survivors again (after adding tests)"
    )
    parser.add_argument("--run-mutant", metavar="MODULE", help=argparse.SUPPRESS)  # cosmic-ray's test command
    args = parser.parse_args(argv)
    if args.run_mutant:
        return run_mutant(args.run_mutant, args.workdir)
    modules = args.modules or list(MODULES)
    if unknown := sorted(set(modules) - set(MODULES)):
        parser.error(f"unknown module {', '.join(unknown)}; one of {', '.join(MODULES)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not args.report:
        os.nice(19)  # 2 shared cores: everything else comes first
        copy = copy_repository(args.workdir, "rerun" if args.survivors else "repo")
        for module in modules:
            (rerun_survivors if args.survivors else run_module)(module, copy, args.workdir)
    return report(modules, args.workdir)


if __name__ == "__main__":
    sys.exit(main())
