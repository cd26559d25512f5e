"""Cognito as the page calls it from the browser: plain HTTP to the local moto endpoint with the page's
headers (JSON, ``X-Amz-Target``, no signature) and the page's Origin; CORS on every answer.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, Client
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


class Cognito:
    """The Cognito API as web/js/auth.js calls it, from the page's origin."""

    def __init__(self, stack: dict[str, Any]) -> None:
        self.endpoint = stack["aws_endpoint_url"] + "/"
        self.origin = stack["web_url"].rstrip("/")
        self.client_id = stack["user_pool_client_id"]

    def call(self, action: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
                "Origin": self.origin,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"{}")

    def ok(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """A successful call, readable by the page (CORS allows its origin)."""
        status, headers, data = self.call(action, body)
        assert status == 200, (action, data)
        assert headers.get("Access-Control-Allow-Origin") in (self.origin, "*"), (action, headers)
        return data

    def error(self, action: str, body: dict[str, Any]) -> str:
        """The error type of a refused call, readable by the page too."""
        status, headers, data = self.call(action, body)
        assert status == 400, (action, data)
        assert headers.get("Access-Control-Allow-Origin") in (self.origin, "*"), (action, headers)
        return str(data["__type"]).split("#")[-1]

    def sign_in(self, email: str, password: str) -> dict[str, Any]:
        parameters = {"USERNAME": email, "PASSWORD": password}
        body = {"ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters}
        return self.ok("InitiateAuth", body)["AuthenticationResult"]


@pytest.fixture
def cognito(stack: dict[str, Any]) -> Cognito:
    return Cognito(stack)


@pytest.fixture
def signed_up(cognito: Cognito) -> tuple[str, dict[str, Any]]:
    """A student who signed up from the page: the e-mail and SignUp's answer."""
    email = f"browser-{uuid.uuid4().hex[:10]}@example.com"
    answer = cognito.ok(
        "SignUp",
        {
            "ClientId": cognito.client_id,
            "Username": email,
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email}],
        },
    )
    return email, answer


def test_given_the_pages_origin_then_a_cors_preflight_is_answered(cognito: Cognito) -> None:
    request = urllib.request.Request(
        cognito.endpoint,
        method="OPTIONS",
        headers={
            "Origin": cognito.origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert 200 <= response.status < 300
        assert response.headers["Access-Control-Allow-Origin"] in (cognito.origin, "*")
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        assert "content-type" in allowed and "x-amz-target" in allowed
        assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_given_a_sign_up_from_the_page_then_it_is_confirmed_and_its_tokens_open_the_api(
    stack: dict[str, Any], cognito: Cognito, signed_up: tuple[str, dict[str, Any]]
) -> None:
    email, answer = signed_up
    # Then the answer says the account is confirmed (locally), so the page skips the code step
    assert answer["UserConfirmed"] is True and answer["UserSub"] and "CodeDeliveryDetails" not in answer
    # And confirming or resending a code is answered as Cognito does for a confirmed account
    cognito.ok("ConfirmSignUp", {"ClientId": cognito.client_id, "Username": email, "ConfirmationCode": "1"})
    resend = {"ClientId": cognito.client_id, "Username": email}
    assert cognito.error("ResendConfirmationCode", resend) == "InvalidParameterException"
    unknown = {"ClientId": cognito.client_id, "Username": "nobody@example.com"}
    assert cognito.error("ResendConfirmationCode", unknown) == "UserNotFoundException"
    # When they sign in with USER_PASSWORD_AUTH, Then the id token is accepted by the API
    tokens = cognito.sign_in(email, PASSWORD)
    assert Client(stack["api_url"], tokens["IdToken"]).call("GET", "/credits").status == 200
    # And GetUser knows them
    user = cognito.ok("GetUser", {"AccessToken": tokens["AccessToken"]})
    assert user["Username"] and email in json.dumps(user["UserAttributes"])
    # And REFRESH_TOKEN_AUTH gives a new id token that the API accepts too
    refresh = {
        "ClientId": cognito.client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
    }
    fresh = cognito.ok("InitiateAuth", refresh)["AuthenticationResult"]
    assert Client(stack["api_url"], fresh["IdToken"]).call("GET", "/credits").status == 200
    # And a wrong password is Cognito's NotAuthorizedException
    wrong = {"ClientId": cognito.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
             "AuthParameters": {"USERNAME": email, "PASSWORD": "Wrong-password-1"}}  # fmt: skip
    assert cognito.error("InitiateAuth", wrong) == "NotAuthorizedException"
    # When they sign out everywhere, Then the refresh token no longer works
    cognito.ok("GlobalSignOut", {"AccessToken": fresh["AccessToken"]})
    assert cognito.error("InitiateAuth", refresh) == "NotAuthorizedException"


def test_given_a_forgotten_password_then_the_code_is_printed_and_only_it_sets_a_new_password(
    stack_env: dict[str, str], cognito: Cognito, signed_up: tuple[str, dict[str, Any]]
) -> None:
    email, _ = signed_up
    log = Path(stack_env["YTSB_STATE_DIR"]) / "stack.log"
    # When the student asks for a reset code from the page
    status, headers, answer = cognito.call(
        "ForgotPassword", {"ClientId": cognito.client_id, "Username": email}
    )
    assert status == 200 and answer["CodeDeliveryDetails"], answer
    assert not any(name.lower().startswith("x-moto") for name in headers)
    # Then the stack prints the code on its terminal, as an e-mail would bring it
    pattern = re.compile(rf"password reset code for {re.escape(email)}: (\d{{6}})")
    code = wait_for(lambda: pattern.findall(log.read_text(errors="replace")), 10, what="the code")[-1]
    new_password = "N3w-password-for-real"
    reset = {"ClientId": cognito.client_id, "Username": email, "Password": new_password}
    # And a wrong code is refused as Cognito refuses it
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    assert (
        cognito.error("ConfirmForgotPassword", {**reset, "ConfirmationCode": wrong})
        == "CodeMismatchException"
    )
    assert cognito.sign_in(email, PASSWORD)["IdToken"]  # the old password still works
    # And the printed code sets the new password
    cognito.ok("ConfirmForgotPassword", {**reset, "ConfirmationCode": code})
    assert cognito.sign_in(email, new_password)["IdToken"]
    bad = {"ClientId": cognito.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD}}  # fmt: skip
    assert cognito.error("InitiateAuth", bad) == "NotAuthorizedException"
    # And the code cannot be used twice
    assert (
        cognito.error("ConfirmForgotPassword", {**reset, "ConfirmationCode": code}) == "CodeMismatchException"
    )
