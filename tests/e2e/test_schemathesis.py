"""Property-based tests of the running local stack from docs/openapi.yaml (schemathesis).

Each documented operation gets a bounded, deterministic set of generated requests (documented
examples, boundary values and random valid and invalid inputs), once signed in as a real local
Cognito user and once without a token. Every response must be in the document: no 5xx, a documented
status code, a JSON body that matches its schema; invalid input must be refused with a 4xx, and an
authenticated operation must refuse the same request without (or with a bad) token.

"Valid input must be accepted" (positive_data_acceptance) is off: the schema cannot say which strings
are YouTube URLs, live pagination tokens or Stripe signatures, and their 400s are documented answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20241029,  # the same requests on every run: a failure here is reproducible
        "generation": {"mode": "all", "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"enabled": False}},
        "request-timeout": 30,
    }
)
schema = schemathesis.openapi.from_path(DOC_PATH, config=CONFIG)
EXAMPLES = settings(
    max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@pytest.fixture(scope="module")
def user_token(new_user: Any) -> str:
    return new_user().token


@EXAMPLES
def conforms_signed_in(case: schemathesis.Case, stack: dict[str, Any], user_token: str) -> None:
    # The generated bearer token, where there is one, becomes the real user's; a case generated without
    # one (the negative "missing Authorization" case) is sent without one and must be a 401.
    headers = case.headers or {}
    if any(name.lower() == "authorization" for name in headers):
        case.headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        case.headers["Authorization"] = f"Bearer {user_token}"
    case.call_and_validate(base_url=stack["api_url"])


@EXAMPLES
def conforms_without_a_token(case: schemathesis.Case, stack: dict[str, Any]) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(base_url=stack["api_url"])


def one_test_per_operation(prefix: str, test: Callable[..., None]) -> None:
    """Bind ``test`` to each operation under its own name (``test_signed_in_post_videos``, ...).

    Why not one ``schema.parametrize()`` function for all operations: pytest 9.2 builds an item's node id
    from its ``originalname``, which schemathesis sets to the bare function name, so the items of all
    operations share one node id, and xdist, which schedules by node id, ran only the first operation of
    each function. One function per operation (the reuse ``BaseSchema.parametrize`` documents) gives each
    operation its own node id, whatever pytest does with names.
    """
    for result in schema.get_all_operations():
        label = result.ok().label
        name = f"{prefix}_{re.sub(r'[^a-z0-9]+', '_', label.lower()).strip('_')}"
        if name in globals():
            raise RuntimeError(f"{label} would reuse the test name {name}")
        globals()[name] = schema.include(name=label).parametrize()(test)


one_test_per_operation("test_signed_in", conforms_signed_in)
one_test_per_operation("test_without_a_token", conforms_without_a_token)
