"""A pytest plugin that fails a run in which fewer tests ran than were collected.

Why: pytest-xdist schedules by node id, so tests that share one are run once, and the run still
passes: the 7 operations of each schemathesis test once collapsed into the first this way, with no
skip and no warning. Every test that runs, whatever its outcome (passed, failed, skipped, xfailed,
an error in setup), ends with exactly one teardown report; the controller of an xdist run receives
the reports of all workers. A run that passes but reports fewer teardowns than it collected lost
tests, and fails here. Runs stopped on purpose (``-x``, ``--maxfail``, ``--sw``, Ctrl-C) and runs
already failing are left as they are.
"""

from __future__ import annotations

import pytest


class EveryCollectedTestRuns:
    name = "every-collected-test-runs"

    def __init__(self) -> None:
        self.ran = 0
        self.problem = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.ran += 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = session.config
        if hasattr(config, "workerinput") or config.option.collectonly:
            return  # an xdist worker runs a share of the tests; its controller checks the whole run
        if exitstatus != pytest.ExitCode.OK or session.shouldstop or session.shouldfail:
            return
        collected = session.testscollected
        if self.ran < collected:
            self.problem = (
                f"{collected} tests were collected but only {self.ran} ran: tests that share a node id "
                "are run once under pytest-xdist (pytest --collect-only -q lists the ids)"
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_sep("=", "not every collected test ran", red=True)
            terminalreporter.write_line(self.problem, red=True)
