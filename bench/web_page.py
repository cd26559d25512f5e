"""The web page on the local stack, in Debian's Chromium: what it transfers and how soon it shows.

For each screen, over RUNS fresh browser contexts (an empty cache every time), the median of:
- bytes transferred (the page's own files, config.json and the API's answers; Stripe.js apart; the
  local gateway does not compress, CloudFront does: the last line gives web/ gzipped),
- first contentful paint (the browser's own measure),
- ready: navigation start until the screen's heading is on the page (the app fetched its settings,
  restored the session from Cognito, called the API and rendered).

``python bench/web_page.py`` starts its own stack; ``--state-file .ytsb/local.json`` uses a running
one (``make run``). Needs Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _stack import PASSWORD, running_stack  # type: ignore[import-not-found]

RUNS = 5
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SIZES = """() => {
  const entries = [
    performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource"),
  ];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    fcp: paint ? paint.startTime : null,
    resources: entries.map(e => ({ name: e.name, bytes: e.transferSize, body: e.encodedBodySize })),
  };
}"""


def measure(browser: Any, base: str, hash_route: str, heading: str, storage: Any = None) -> dict[str, Any]:
    context = browser.new_context(base_url=base, storage_state=storage)
    context.route(
        "https://www.youtube-nocookie.com/**", lambda route: route.fulfill(content_type="text/html", body="")
    )
    page = context.new_page()
    started = time.perf_counter()
    page.goto(hash_route)
    page.get_by_role("heading", level=1, name=heading).wait_for()
    ready = (time.perf_counter() - started) * 1000
    page.wait_for_timeout(300)  # let late resources (the player frame, Stripe.js) finish
    data = page.evaluate(SIZES)
    context.close()
    own = [r for r in data["resources"] if "stripe" not in r["name"]]
    stripe = [r for r in data["resources"] if "stripe" in r["name"]]
    return {
        "ready_ms": ready,
        "fcp_ms": data["fcp"],
        "bytes": sum(r["bytes"] for r in own),
        "requests": len(own),
        "stripe_bytes": sum(r["bytes"] for r in stripe),
    }


def signed_in_state(browser: Any, base: str) -> tuple[Any, str]:
    """A browser storage state with a signed-in student who has one finished note."""
    import uuid

    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/#/signup")
    page.get_by_label("E-mail").fill(f"bench-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", level=1, name="Your library").wait_for()
    page.get_by_label("YouTube link").fill("https://youtu.be/Xq3b7LmR9tA")
    page.get_by_role("button", name="Make notes (1 credit)").click()
    page.get_by_role("link", name="Open the notes").click(timeout=60_000)
    page.locator("article.note-body").wait_for()
    note_route = "/#" + page.url.split("#", 1)[1]
    state = context.storage_state()
    context.close()
    return state, note_route


def own_files() -> tuple[int, int, int]:
    """web/'s files: how many, their bytes, and their bytes gzipped (what CloudFront's compression sends)."""
    import gzip

    files = [path for path in (Path(__file__).resolve().parents[1] / "web").rglob("*") if path.is_file()]
    raw = sum(path.stat().st_size for path in files)
    zipped = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)
    return len(files), raw, zipped


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-file", type=Path, help="local.json of a running stack (make run)")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("skipped: Chromium is not installed (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    with running_stack(args.state_file) as stack, sync_playwright() as playwright:
        api = stack.info["api_url"]
        base = stack.info.get("web_url") or api[: api.rindex("/")] + "/"
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        state, note_route = signed_in_state(browser, base)
        screens = [
            ("sign-in (no session)", "/#/signin", "Sign in", None),
            ("library (session restored)", "/#/library", "Your library", state),
            (
                "note (session restored)",
                note_route,
                "How Neural Networks Learn: Gradient Descent Explained",
                state,
            ),
            ("credits (+ Stripe.js)", "/#/credits", "Credits", state),
        ]
        print(f"{'screen':32} {'ready ms':>9} {'FCP ms':>7} {'KiB':>7} {'requests':>8} {'Stripe.js KiB':>13}")
        for name, route, heading, storage in screens:
            runs = [measure(browser, base, route, heading, storage) for _ in range(args.runs)]

            def median(key: str, runs: list[dict[str, Any]] = runs) -> float:
                values = [r[key] for r in runs if r[key] is not None]
                return statistics.median(values) if values else float("nan")

            print(
                f"{name:32} {median('ready_ms'):9.0f} {median('fcp_ms'):7.0f} {median('bytes') / 1024:7.1f} "
                f"{median('requests'):8.0f} {median('stripe_bytes') / 1024:13.1f}"
            )
        browser.close()
    count, raw, zipped = own_files()
    print(f"web/: {count} files, {raw / 1024:.1f} KiB, {zipped / 1024:.1f} KiB gzipped")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
