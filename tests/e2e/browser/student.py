"""What a student does on the page, step by step, as the browser tests use it."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
SCREENS = ROOT / "test-results" / "screens"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def new_email() -> str:
    return f"student-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(page: Page, email: str | None = None, password: str = PASSWORD) -> str:
    """Create an account through the page (the local pool confirms it at once) and land in the library."""
    email = email or new_email()
    page.goto("/#/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/#/signin")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()


def submit_video(page: Page, url: str, captions: Path | None = None) -> None:
    """From the library: paste a link (and optionally upload captions) and spend a credit."""
    page.goto("/#/library")
    page.get_by_label("YouTube link").fill(url)
    if captions is not None:
        page.get_by_text("Upload captions (optional)").click()
        page.get_by_label("Captions file").set_input_files(str(captions))
    page.get_by_role("button", name="Make notes (1 credit)").click()


def open_note_when_ready(page: Page, timeout: float = 60_000) -> None:
    """On a video's page: wait for the notes, then open them."""
    page.get_by_role("link", name="Open the notes").click(timeout=timeout)
    expect(page.locator("article.note-body")).to_be_visible()


def balance(page: Page) -> int:
    """The balance the credits screen states ("You have 13 credits.")."""
    text = page.locator(".balance").inner_text()
    return int(text.split()[2])
