"""A student in a real browser: sign up, submit a bundled demo video, watch it progress, study the note."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.student import (
    new_email,
    open_note_when_ready,
    screenshot,
    sign_in,
    sign_up,
    submit_video,
)
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DEMO = "https://youtu.be/Xq3b7LmR9tA"  # bundled captions: works offline
DEMO_TITLE = "How Neural Networks Learn: Gradient Descent Explained"


def test_given_a_new_visitor_when_signing_up_then_signed_in_with_an_empty_library_and_free_credits(
    page: Page,
):
    page.goto("/")
    # Given: the page sends a visitor without a session to sign in
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1, name="Create an account")).to_be_visible()
    screenshot(page, "sign-up")
    # When: they create an account
    email = sign_up(page)
    # Then: the library is empty and says what to do, and the header shows the free credits
    expect(page.get_by_text("No videos yet.")).to_be_visible()
    expect(page.locator("#nav-credits")).to_have_text("3")
    screenshot(page, "library-empty")
    # And: signing out and in again works, and a reload keeps the session
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    sign_in(page, email)
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()


def test_given_a_wrong_password_when_signing_in_then_it_says_so_and_stays(page: Page):
    email = sign_up(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("Wrong-passw0rd")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_given_a_demo_video_when_submitted_then_progress_reaches_a_note_to_study(page: Page):
    sign_up(page)
    # When: the student pastes a link
    submit_video(page, DEMO)
    # Then: the video's page shows it queued or processing, then the notes
    expect(page).to_have_url(re.compile(r"#/videos/video_"))
    expect(page.locator(".status")).to_have_text(re.compile("Queued|Processing|Ready"))
    expect(page.get_by_role("heading", level=1, name=DEMO_TITLE)).to_be_visible(timeout=60_000)
    open_note_when_ready(page)
    note = page.locator("article.note-body")
    # The sections of the note, rendered by the server
    for section in ("Core Concepts", "Key Points", "Definitions", "Assessment"):
        expect(note.get_by_role("heading", level=2, name=section)).to_be_visible()
    screenshot(page, "note")
    screenshot(page, "note-top", full_page=False)
    # A timestamp link moves the embedded player to that moment (and does not leave the page)
    player = page.frame_locator("iframe#player")
    expect(player.locator("#state")).to_have_text("ready", use_inner_text=False)
    moment = note.locator("a.moment").filter(has_text="1:25").first
    moment.click()
    expect(page).to_have_url(re.compile(r"#/notes/note_"))
    expect(player.locator("#state")).to_contain_text("seekTo", use_inner_text=False)
    commands = json.loads(player.locator("#state").text_content() or "[]")
    assert {"event": "command", "func": "seekTo", "args": [85, True]} in commands
    assert (
        page.locator("iframe#player")
        .get_attribute("src")
        .startswith("https://www.youtube-nocookie.com/embed/Xq3b7LmR9tA?")
    )
    # The quiz: each answer hidden until asked for
    answers = note.locator("details.answer")
    assert answers.count() > 3
    first = answers.first
    expect(first).not_to_have_attribute("open", "")
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    screenshot(page, "note-answer-open")
    page.get_by_role("button", name="Show all answers").click()
    assert all(answers.nth(i).get_attribute("open") is not None for i in range(answers.count()))


def test_given_a_note_when_downloading_then_the_markdown_file(page: Page):
    sign_up(page)
    submit_video(page, "https://www.youtube.com/watch?v=pV2nW8cKd4E")
    open_note_when_ready(page)
    title = page.get_by_role("heading", level=1).inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download .md").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    # Then: the note's own markdown, front matter and all
    assert text.startswith("---\n")
    assert 'video_id: "pV2nW8cKd4E"' in text
    assert f"# {title}" in text


def test_given_a_finished_video_when_deleted_then_gone_from_the_library(page: Page):
    sign_up(page)
    submit_video(page, "https://youtu.be/hT6sJ1yFz0Q")
    expect(page.get_by_role("link", name="Open the notes")).to_be_visible(timeout=60_000)
    title = page.get_by_role("heading", level=1).inner_text()
    # When: the student deletes it, and confirms
    page.get_by_role("button", name="Delete video and notes").click()
    dialog = page.get_by_role("dialog", name="Delete this video?")
    expect(dialog).to_be_visible()
    screenshot(page, "delete-confirm", full_page=False)
    dialog.get_by_role("button", name="Delete").click()
    # Then: back in the library, without it
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()
    expect(page.get_by_text("No videos yet.")).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_have_count(0)


def test_given_two_students_when_the_second_looks_then_none_of_the_first_students_videos(page: Page):
    sign_up(page)
    submit_video(page, DEMO)
    expect(page.get_by_role("link", name="Open the notes")).to_be_visible(timeout=60_000)
    first_video = page.url.split("#")[1]
    page.get_by_role("button", name="Sign out").click()
    # When: another student signs up on the same browser
    sign_up(page, new_email())
    # Then: their library is empty, and the first student's video address is not found
    expect(page.get_by_text("No videos yet.")).to_be_visible()
    page.goto(f"/#{first_video}")
    expect(page.get_by_role("alert")).to_contain_text("could not find")


def test_given_a_forgotten_password_when_reset_with_the_emailed_code_then_signed_in_with_the_new_one(
    page: Page, stack_env: dict[str, str]
):
    email = sign_up(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a reset code").click()
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    # The local stack prints the code where an e-mail would bring it
    log = Path(stack_env["YTSB_STATE_DIR"]) / "stack.log"
    pattern = re.compile(rf"password reset code for {re.escape(email)}: (\d{{6}})")
    code = wait_for(lambda: pattern.findall(log.read_text(errors="replace")), 10, what="the code")[-1]
    # A wrong code is refused, in words
    page.get_by_label("Reset code").fill(str((int(code) + 1) % 1_000_000).zfill(6))
    page.get_by_label("New password").fill("N3w-password-for-real")
    page.get_by_role("button", name="Set new password and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    screenshot(page, "reset-password")
    # The right one sets the new password and signs the student in
    page.get_by_label("Reset code").fill(code)
    page.get_by_role("button", name="Set new password and sign in").click()
    expect(page.get_by_role("heading", level=1, name="Your library")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email, "N3w-password-for-real")
