"""Sessions as real Cognito runs them: the e-mailed confirmation code, and the refresh before expiry."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.browser.student import new_email, screenshot
from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def cognito_action(request: Request) -> str:
    return (request.headers.get("x-amz-target") or "").rpartition(".")[2]


DELIVERY = {"Destination": "s***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def as_real_cognito_signs_up(route: Route) -> None:
    """The local pool confirms sign-ups at once; real Cognito answers "not confirmed, code sent"
    (and sends a new code on request, which the local pool refuses for a confirmed user)."""
    action = cognito_action(route.request)
    if action == "SignUp":
        response = route.fetch()
        body = {**response.json(), "UserConfirmed": False, "CodeDeliveryDetails": DELIVERY}
        route.fulfill(response=response, body=json.dumps(body))
    elif action == "ResendConfirmationCode":
        route.fulfill(status=200, json={"CodeDeliveryDetails": DELIVERY})
    else:
        route.fallback()


def test_given_a_pool_that_emails_a_code_when_signing_up_then_the_code_step_confirms_and_signs_in(page: Page):
    page.route("**/*", as_real_cognito_signs_up)
    page.goto("/#/signup")
    page.get_by_label("E-mail").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # Then: the page asks for the code it says was sent
    expect(page.get_by_role("heading", level=1, name="Confirm your e-mail")).to_be_focused()
    expect(page.get_by_text("We sent a code to s***@e***.")).to_be_visible()
    page.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_text("We sent a new code to")).to_be_visible()
    screenshot(page, "sign-up-code")
    with page.expect_request(lambda request: cognito_action(request) == "ConfirmSignUp") as confirm:
        page.get_by_label("Confirmation code").fill("123456")
        page.get_by_role("button", name="Confirm and sign in").click()
    assert json.loads(confirm.value.post_data or "{}")["ConfirmationCode"] == "123456"
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()


def test_given_a_signed_in_student_when_the_id_token_nears_expiry_then_it_is_refreshed_and_calls_go_on(
    page: Page,
):
    page.clock.install()
    page.goto("/#/signup")
    page.get_by_label("E-mail").fill(new_email())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()
    # When: 58 minutes pass (Cognito's id tokens last an hour; the page refreshes 2 minutes before)
    with page.expect_request(
        lambda request: (
            cognito_action(request) == "InitiateAuth"
            and json.loads(request.post_data or "{}").get("AuthFlow") == "REFRESH_TOKEN_AUTH"
        )
    ):
        page.clock.fast_forward("58:30")
    # Then: the API still answers the student, with the new id token
    with page.expect_request("**/v1/credits") as call:
        page.get_by_role("link", name="Credits").click()
    expect(page.locator(".balance")).to_have_text("You have 3 credits.")
    assert call.value.headers["authorization"].startswith("Bearer ")
