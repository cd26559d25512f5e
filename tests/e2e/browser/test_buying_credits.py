"""Buying credits in the browser with Stripe test cards (the local stack's Stripe.js, localstripe behind it).

Only a payment that succeeded adds credits, and only once the signed webhook has booked them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.student import balance, screenshot, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000341"
THREE_D_SECURE = "4000002760003184"


def open_credits(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credits").click()
    expect(page.get_by_role("heading", level=1, name="Credits")).to_be_visible()
    expect(page.locator(".balance")).to_have_text("You have 3 credits.")
    expect(page.get_by_label("Card number")).to_be_visible()  # Stripe.js loaded and mounted


def pay_with(page: Page, number: str, package: str = "10 credits") -> None:
    page.get_by_role("group", name="Choose a package").get_by_text(package).click()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry").fill("12 / 35")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Pay").click()


def test_given_card_4242_when_buying_10_credits_then_the_balance_rises_by_10(page: Page):
    sign_up(page)
    open_credits(page)
    screenshot(page, "credits")
    expect(page.get_by_role("button", name="Pay")).to_have_text("Pay $9.99 for 10 credits")
    pay_with(page, SUCCEEDS)
    expect(page.get_by_text("10 credits added. You now have 13 credits.")).to_be_visible(timeout=30_000)
    assert balance(page) == 13
    expect(page.locator("#nav-credits")).to_have_text("13")
    expect(page.locator("table.ledger tbody tr").first).to_contain_text("+10")
    screenshot(page, "credits-bought")
    # And a reload shows the same books
    page.reload()
    expect(page.locator(".balance")).to_have_text("You have 13 credits.")


def test_given_a_declined_card_when_paying_then_it_says_why_and_the_balance_stays(page: Page):
    sign_up(page)
    open_credits(page)
    pay_with(page, DECLINED)
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined.")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was charged.")
    screenshot(page, "credits-declined")
    page.wait_for_timeout(2500)  # longer than localstripe's webhook delay: nothing may arrive
    page.reload()
    expect(page.locator(".balance")).to_have_text("You have 3 credits.")
    expect(page.locator("table.ledger")).not_to_contain_text("Purchase")


def test_given_3d_secure_when_authentication_fails_then_no_credits(page: Page):
    sign_up(page)
    open_credits(page)
    pay_with(page, THREE_D_SECURE, package="25 credits")
    challenge = page.get_by_role("dialog")
    expect(challenge).to_contain_text("3-D Secure")
    screenshot(page, "credits-3ds", full_page=False)
    challenge.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_role("alert")).to_contain_text("unable to authenticate")
    page.wait_for_timeout(2500)
    page.reload()
    expect(page.locator(".balance")).to_have_text("You have 3 credits.")


def test_given_3d_secure_when_authentication_completes_then_the_credits_arrive(page: Page):
    sign_up(page)
    open_credits(page)
    pay_with(page, THREE_D_SECURE, package="25 credits")
    page.get_by_role("dialog").get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("25 credits added. You now have 28 credits.")).to_be_visible(timeout=30_000)
