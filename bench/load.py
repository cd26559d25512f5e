"""Load on the local stack: N students at once, then the books are checked.

Each of ``--users`` (5) threads, for ``--seconds`` (20): signs up in the stack's Cognito pool,
reads its credits (the free tier), buys a package with localstripe's test card (the signed
webhook adds the credits), then until the time is up submits a demo video (bundled transcripts,
so the offline engine needs no internet), polls it until it is completed or failed, reads its
note with the content and lists its videos; it buys again before its credits run out.

Printed: requests per second, p50/p95/p99 latency per route, errors by status. Then the queue is
drained and the invariants are checked against the stack's DynamoDB (moto):
ytsb_local.invariants.ledger_problems(settled=True), credits conserved for the users of this run
(sum of balances == free-tier grants + purchases - videos not refunded, from what the clients
saw), every video the clients submitted exists and is completed, or failed and refunded once.
Exits 1 if an invariant breaks (or the queue does not drain), 0 otherwise.

By default it starts its own stack (free ports, temporary state); ``--state-file .ytsb/local.json``
or ``--api-url URL`` use a running one (``make run``; its other data is left alone but the
ledger invariants are checked over all of it).

``.venv/bin/python bench/load.py [--users 5] [--seconds 20] [--poll 0.25]``
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _stack import LocalStack, Recorder, User, running_stack, wait_for

from yt_study_buddy.samples import DEMO_VIDEO_IDS
from ytsb_local.invariants import Tables, ledger_problems, scan_all

DONE = ("completed", "failed")
TOP_UP = "basic"


@dataclass
class Student:
    """One simulated user's run and what their client saw."""

    index: int
    user: User | None = None
    free_tier: int = 0
    submitted: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # video_id -> status the client last saw
    unexpected: list[str] = field(default_factory=list)
    estimate: int = 0  # credits left, as the client knows it (refunds only make it larger)


def run_student(
    student: Student,
    stack: LocalStack,
    recorder: Recorder,
    deadline: float,
    poll: float,
    start: threading.Event,
) -> None:
    start.wait()
    try:
        user = student.user = User.sign_up(stack, recorder)
        student.free_tier = student.estimate = user.balance()
        student.estimate = user.buy(TOP_UP)
        n = student.index
        while time.monotonic() < deadline:
            if student.estimate < 1:
                student.estimate = user.buy(TOP_UP)
            url = f"https://youtu.be/{DEMO_VIDEO_IDS[n % len(DEMO_VIDEO_IDS)]}"
            n += 1
            status, body = user.client.request("POST", "/videos", {"url": url})
            if status != 201:
                student.unexpected.append(f"POST /videos {status}: {body}")
                time.sleep(poll)
                continue
            student.estimate -= 1
            video_id = body["video_id"]
            student.submitted.append(video_id)
            video: dict[str, Any] = {}
            while time.monotonic() < deadline:
                status, video = user.client.request("GET", f"/videos/{video_id}")
                if status != 200:
                    student.unexpected.append(f"GET /videos/{{id}} {status}: {video}")
                    break
                student.outcomes[video_id] = video["status"]
                if video["status"] in DONE:
                    break
                time.sleep(poll)
            if video.get("status") == "completed":
                status, note = user.client.request("GET", f"/notes/{video['note_id']}?include_content=true")
                if status != 200 or not note.get("content"):
                    student.unexpected.append(f"GET /notes/{{id}} {status}: {str(note)[:200]}")
            elif video.get("status") == "failed":
                student.estimate += 1  # refunded
            status, page = user.client.request("GET", "/videos?limit=10")
            if status != 200 or video_id not in {v["video_id"] for v in page.get("videos", [])}:
                student.unexpected.append(f"GET /videos {status}: newest video missing")
    except Exception as exc:  # noqa: BLE001 - report and let the other students finish
        student.unexpected.append(f"{type(exc).__name__}: {exc}")
        traceback.print_exc()


def drain(stack: LocalStack, user_ids: set[str], timeout: float) -> float:
    """Wait until the queue is empty and none of our users' videos is queued or processing."""
    dynamodb = stack.boto3_resource("dynamodb")
    began = time.perf_counter()

    def settled() -> bool:
        if stack.queue_depth():
            return False
        videos = scan_all(dynamodb, Tables().videos)
        return not any(v["status"] not in DONE for v in videos if v["user_id"] in user_ids)

    wait_for(settled, timeout, 0.5, "the queue drained and every video finished")
    return time.perf_counter() - began


def check_books(stack: LocalStack, students: list[Student]) -> list[str]:
    dynamodb = stack.boto3_resource("dynamodb")
    problems = ledger_problems(dynamodb, Tables(), settled=True)
    ours = {s.user.user_id: s for s in students if s.user}
    balances = {
        u["user_id"]: int(u["credits"]) for u in scan_all(dynamodb, Tables().users) if u["user_id"] in ours
    }
    videos = {v["video_id"]: v for v in scan_all(dynamodb, Tables().videos) if v["user_id"] in ours}
    entries = [e for e in scan_all(dynamodb, Tables().credits) if e["user_id"] in ours]
    refunded = {e["reference"] for e in entries if e["type"] == "refund"}

    submitted = {vid: s.user.user_id for s in students if s.user for vid in s.submitted}
    for video_id, owner in submitted.items():
        video = videos.get(video_id)
        if video is None:
            problems.append(f"{video_id}: submitted (201) but not in the videos table")
        elif video["user_id"] != owner:
            problems.append(f"{video_id}: owned by {video['user_id']}, submitted by {owner}")
        elif video["status"] == "failed" and video_id not in refunded:
            problems.append(f"{video_id}: failed without a refund")
        elif video["status"] not in DONE:
            problems.append(f"{video_id}: still {video['status']}")
    for video_id in videos.keys() - submitted.keys():
        problems.append(f"{video_id}: in the table, but no client got a 201 for it")

    failed = sum(1 for vid in submitted if videos.get(vid, {}).get("status") == "failed")
    grants = sum(s.free_tier for s in students if s.user)
    bought = sum(s.user.credits_bought for s in students if s.user)
    expected = grants + bought - (len(submitted) - failed)
    actual = sum(balances.values())
    if actual != expected:
        problems.append(
            f"credits not conserved: balances sum to {actual}, expected {expected} = {grants} free tier "
            f"+ {bought} bought - ({len(submitted)} videos - {failed} refunded)"
        )
    for student in students:
        if student.user and balances.get(student.user.user_id, -1) < 0:
            problems.append(f"{student.user.user_id}: negative balance")
    print(
        f"books: {len(ours)} users, {grants} free-tier credits + {bought} bought - "
        f"{len(submitted) - failed} spent on videos not refunded = {expected}; balances sum to {actual}"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=5, help="simulated students in parallel (default 5)")
    parser.add_argument("--seconds", type=float, default=20, help="how long they keep going (default 20)")
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between status polls (0.25)")
    parser.add_argument("--drain-timeout", type=float, default=300, help="seconds to wait for the queue")
    parser.add_argument("--state-file", type=Path, help="local.json of a running stack instead of our own")
    parser.add_argument("--api-url", help="API URL of a running stack (other endpoints: its local.json)")
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"{os.cpu_count()} CPUs; {args.users} users for {args.seconds:g} s, polling every {args.poll:g} s")

    with running_stack(args.state_file, args.api_url) as stack:
        recorder = Recorder()
        students = [Student(i) for i in range(args.users)]
        start = threading.Event()
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=run_student, args=(s, stack, recorder, deadline, args.poll, start))
            for s in students
        ]
        for t in threads:
            t.start()
        load_began = time.perf_counter()
        start.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - load_began
        print()
        recorder.report(wall, f"{args.users} users, {wall:.1f} s (sign-up to the last answer)")
        submitted = sum(len(s.submitted) for s in students)
        seen = [status for s in students for status in s.outcomes.values()]
        print(
            f"videos: {submitted} submitted; when time was up the clients had seen "
            f"{seen.count('completed')} completed, {seen.count('failed')} failed, "
            f"{submitted - seen.count('completed') - seen.count('failed')} not finished; "
            f"queue depth {stack.queue_depth()}"
        )
        problems: list[str] = []
        for student in students:
            problems += [f"user {student.index}: {text}" for text in student.unexpected]
        user_ids = {s.user.user_id for s in students if s.user}
        try:
            drained = drain(stack, user_ids, args.drain_timeout)
            print(f"queue drained {drained:.1f} s after the load stopped")
        except TimeoutError as exc:
            problems.append(str(exc))
        problems += check_books(stack, students)
        tail = stack.log_tail(2000) if problems else ""

    print()
    if problems:
        print(f"INVARIANTS BROKEN ({len(problems)}):")
        for problem in problems[:50]:
            print(f"  - {problem}")
        if tail:
            print(f"stack log (tail):\n{tail}")
    else:
        print(
            "invariants OK: ledger_problems(settled=True) is empty, credits conserved, every video "
            "completed or failed-and-refunded, no client error"
        )
    print(f"took {time.perf_counter() - began:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
