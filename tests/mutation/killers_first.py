"""A pytest plugin for `make mutation`: the tests that killed most mutants so far run first.

Why: each mutant runs its module's tests with ``-x`` until the first failure, and neighbouring
mutants are mostly killed by the same few tests; trying those first makes most runs seconds long
instead of a minute. The suite runs under xdist in any order, so reordering changes no verdict.
The kill counts are kept in the JSON file named by ``YTSB_MUTATION_KILLERS`` (without it: no-op).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ENV = "YTSB_MUTATION_KILLERS"


def _counts(path: Path) -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not os.environ.get(ENV):
        return
    kills = _counts(Path(os.environ[ENV]))
    items.sort(key=lambda item: -kills.get(item.nodeid, 0))  # stable: the rest keep their order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and os.environ.get(ENV):
        path = Path(os.environ[ENV])
        kills = _counts(path)
        kills[report.nodeid] = kills.get(report.nodeid, 0) + 1
        path.write_text(json.dumps(kills), encoding="utf-8")
