"""The run guard (tests/every_test_runs.py, registered by tests/conftest.py) on small synthetic suites.

Each suite runs in a pytest subprocess with the suite's real conftest.py, the way `make test` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUARD_CONFTEST = (ROOT / "tests" / "conftest.py").read_text()
MESSAGE = "not every collected test ran"

# Two items with one node id, as schemathesis made under pytest 9.2, next to an ordinary test.
COLLIDING = """
import pytest


class Same(pytest.Item):
    def runtest(self) -> None:
        pass


class TwoItemsOneId(pytest.File):
    def collect(self):
        yield Same.from_parent(self, name="same")
        yield Same.from_parent(self, name="same")


def pytest_collect_file(file_path, parent):
    if file_path.name == "cases.txt":
        return TwoItemsOneId.from_parent(parent, path=file_path)
"""
ORDINARY = """
import pytest


@pytest.fixture
def broken():
    raise RuntimeError("setup fails")


def test_passes():
    pass


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known")
def test_xfails():
    assert False


def test_fails():
    assert False


def test_errors_in_setup(broken):
    pass
"""


def run_suite(
    tmp_path: Path, conftest: str, files: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(conftest)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_given_two_tests_sharing_a_node_id_when_run_under_xdist_then_the_run_fails(tmp_path: Path) -> None:
    files = {"cases.txt": "", "test_ordinary.py": "def test_passes():\n    pass\n"}
    result = run_suite(tmp_path, GUARD_CONFTEST + COLLIDING, files, "-n", "2", "--dist", "loadgroup")

    # Then: xdist ran 2 of the 3 tests, every one of them passed, and the guard failed the run
    assert "2 passed" in result.stdout, result.stdout
    assert "3 tests were collected but only 2 ran" in result.stdout, result.stdout
    assert result.returncode == 1, result.stdout


def test_given_no_guard_when_two_tests_share_a_node_id_under_xdist_then_the_run_passes(
    tmp_path: Path,
) -> None:
    # The collapse the guard exists for is silent without it: why the test above needs the guard.
    files = {"cases.txt": "", "test_ordinary.py": "def test_passes():\n    pass\n"}
    result = run_suite(tmp_path, COLLIDING, files, "-n", "2", "--dist", "loadgroup")

    assert result.returncode == 0, result.stdout
    assert "2 passed" in result.stdout, result.stdout
    assert MESSAGE not in result.stdout


def test_given_two_tests_sharing_a_node_id_when_run_without_xdist_then_both_run(tmp_path: Path) -> None:
    result = run_suite(tmp_path, GUARD_CONFTEST + COLLIDING, {"cases.txt": ""}, "-n", "0")

    assert result.returncode == 0, result.stdout
    assert "2 passed" in result.stdout, result.stdout
    assert MESSAGE not in result.stdout


def test_given_every_outcome_when_run_under_xdist_then_the_guard_counts_each_test_once(
    tmp_path: Path,
) -> None:
    # Given: a pass, a skip, an xfail, a failure and an error in setup; a run where all of them ran
    result = run_suite(tmp_path, GUARD_CONFTEST, {"test_ordinary.py": ORDINARY}, "-n", "2")

    # Then: the run fails for its own failures only, and the guard sees all 5 as run
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error" in result.stdout, result.stdout
    assert result.returncode == 1
    assert MESSAGE not in result.stdout


def test_given_only_passing_skipped_and_xfailed_tests_when_run_under_xdist_then_the_run_passes(
    tmp_path: Path,
) -> None:
    ordinary = ORDINARY.split("def test_fails")[0]
    result = run_suite(tmp_path, GUARD_CONFTEST, {"test_ordinary.py": ordinary}, "-n", "2")

    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in result.stdout, result.stdout
    assert MESSAGE not in result.stdout


def test_given_a_run_stopped_at_the_first_failure_then_the_guard_leaves_it_alone(tmp_path: Path) -> None:
    # Given: -x stops after test_fails; the tests after it were collected and, on purpose, not run
    ordinary = "def test_fails():\n    assert False\n\n\ndef test_after():\n    pass\n"
    result = run_suite(tmp_path, GUARD_CONFTEST, {"test_ordinary.py": ordinary}, "-n", "0", "-x")

    assert result.returncode == 1
    assert "1 failed" in result.stdout, result.stdout
    assert MESSAGE not in result.stdout
