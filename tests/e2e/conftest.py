"""One local stack (``python -m ytsb_local`` as a subprocess, free ports) shared by every e2e test.

Tests talk to it as its users would: HTTP to the API, the Cognito API (boto3) to sign up and
sign in, and the Stripe API (the stripe SDK against localstripe) to pay, as a browser would.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from ytsb_local.child import child_env, child_stack

PASSWORD = "Corr3ct-horse-battery"


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the stack and of ``python -m ytsb_local`` commands run against it."""
    return child_env(tmp_path_factory.mktemp("ytsb-state"))


@pytest.fixture(scope="session")
def stack(stack_env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The stack the e2e tests share."""
    with child_stack(stack_env) as child:
        yield child.info


@dataclass
class Response:
    status: int
    body: Any


class Client:
    """The API as a signed-in user sees it."""

    def __init__(self, api_url: str, token: str | None, email: str = "") -> None:
        self.api_url, self.token, self.email = api_url, token, email

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Response(response.status, json.loads(response.read() or b"null"))
        except urllib.error.HTTPError as error:
            return Response(error.code, json.loads(error.read() or b"null"))


@pytest.fixture(scope="session")
def new_user(stack: dict[str, Any]) -> Callable[[], Client]:
    """Sign a fresh user up in the local Cognito pool and sign in (USER_PASSWORD_AUTH), like an app does."""
    idp = boto3.client(
        "cognito-idp", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip

    def make() -> Client:
        email = f"student-{uuid.uuid4().hex[:10]}@example.com"
        idp.sign_up(ClientId=stack["user_pool_client_id"], Username=email, Password=PASSWORD)
        auth = idp.initiate_auth(
            ClientId=stack["user_pool_client_id"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )  # fmt: skip
        return Client(stack["api_url"], auth["AuthenticationResult"]["IdToken"], email)

    return make


@pytest.fixture(scope="session")
def stripe_client(stack: dict[str, Any]) -> Any:
    import stripe

    return stripe.StripeClient(stack["stripe_api_key"], base_addresses={"api": stack["stripe_api_base"]})
