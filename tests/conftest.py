"""What the whole suite shares: a run fails if fewer tests ran than were collected."""

from __future__ import annotations

import pytest

from tests.every_test_runs import EveryCollectedTestRuns


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(EveryCollectedTestRuns(), EveryCollectedTestRuns.name)
