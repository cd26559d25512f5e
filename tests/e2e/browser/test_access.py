"""Keyboard, screen-reader semantics, a 375 px phone and dark mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.student import new_email, open_note_when_ready, screenshot, sign_up, submit_video
from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_given_only_a_keyboard_when_signing_up_then_every_step_is_reachable_and_focus_is_visible(page: Page):
    page.goto("/#/signup")
    expect(page.get_by_role("heading", level=1, name="Create an account")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type(new_email())
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_focused()


def test_given_the_library_when_read_by_a_screen_reader_then_landmarks_labels_and_live_regions(page: Page):
    sign_up(page)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("link", name="Library")).to_have_attribute("aria-current", "page")
    # every form control has a label
    unlabelled = page.locator("main input, main select").evaluate_all(
        "els => els.filter(e => !e.labels || e.labels.length === 0).map(e => e.outerHTML)"
    )
    assert unlabelled == []
    assert page.locator("#announcer[aria-live=polite]").count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_given_a_375px_phone_when_studying_then_nothing_overflows(
    browser: Browser, web_url: str, scheme: str
):
    context = browser.new_context(
        base_url=web_url, viewport={"width": 375, "height": 812}, color_scheme=scheme, is_mobile=True
    )
    context.route(
        "https://www.youtube-nocookie.com/**", lambda route: route.fulfill(content_type="text/html", body="")
    )
    page = context.new_page()
    try:
        sign_up(page)
        submit_video(page, "https://youtu.be/Xq3b7LmR9tA")
        open_note_when_ready(page)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        screenshot(page, f"phone-note-{scheme}", full_page=False)
        page.get_by_role("heading", name="Assessment").scroll_into_view_if_needed()
        screenshot(page, f"phone-note-quiz-{scheme}", full_page=False)
        page.goto("/#/library")
        expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()
        expect(page.locator(".video-item")).to_have_count(1)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths
        screenshot(page, f"phone-library-{scheme}", full_page=False)
    finally:
        context.close()


def test_given_dark_mode_when_the_system_prefers_it_then_the_page_follows(browser: Browser, web_url: str):
    for scheme, expected_dark in (("dark", True), ("light", False)):
        context = browser.new_context(base_url=web_url, color_scheme=scheme)
        page = context.new_page()
        page.goto("/#/signin")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(part) for part in background[background.index("(") + 1 : -1].split(",")[:3]]
        assert (sum(channels) / 3 < 80) == expected_dark, background
        context.close()
