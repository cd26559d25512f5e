"""Pure-logic tests of lambda/shared: no AWS, settings reset around each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shared import config


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    config.reset()
    yield
    config.reset()
