"""Throughput and latency of the local stack's API over HTTP: GET /videos/{id} and POST /videos.

Starts ``python -m ytsb_local`` on free ports in a temporary state dir (bench/_stack.py), signs one
user up in its Cognito pool, buys credits with localstripe's test card, then sends a fixed number
of requests per route from a few client threads (keep-alive connections) and prints req/s and
p50/p95/p99 latency; the first request of each route (the handler's cold import) is reported
apart. The stack is stopped with SIGTERM, as Ctrl-C would.

What it measures is the emulator, not AWS: one Python process serving API Gateway, the handlers,
moto (DynamoDB requests serialised, ytsb_local.moto_lock) and localstripe, while the SQS poller
turns each submitted video into a note with the offline engine (a subprocess per video) on the
same cores. Useful to compare local changes, and to see that nothing degrades under concurrency.

``.venv/bin/python bench/local_api.py [--threads 4] [--gets 400] [--posts 100]``
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable

from _stack import PACKAGES, Client, Recorder, User, running_stack

from yt_study_buddy.samples import DEMO_VIDEO_IDS


def hammer(threads: int, total: int, send: Callable[[int], int]) -> float:
    """``total`` calls of ``send(i)`` from ``threads`` threads; the wall time."""
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            send(i)

    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--gets", type=int, default=400, help="GET /videos/{id} requests (default 400)")
    parser.add_argument("--posts", type=int, default=100, help="POST /videos requests (default 100)")
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"{os.cpu_count()} CPUs; {args.threads} client threads; keep-alive HTTP/1.1")

    with running_stack() as stack:
        setup = Recorder()
        user = User.sign_up(stack, setup)
        balance = user.balance()  # the first request: the user record and the free tier
        while balance < args.posts + 1:
            balance = user.buy("premium")
        video = user.client.ok("POST", "/videos", {"url": f"https://youtu.be/{DEMO_VIDEO_IDS[0]}"}, 201)
        path = f"/videos/{video['video_id']}"
        print(
            f"set-up: 1 user, {user.credits_bought} credits bought "
            f"({user.credits_bought // PACKAGES['premium']} x premium), balance {balance - 1}"
        )
        cold: dict[str, float] = {}
        for sample in setup.samples:
            cold.setdefault(sample.route, sample.seconds * 1000)

        results = Recorder()
        client = Client(stack.info["api_url"], user.client.token, results)
        first = Recorder()
        Client(stack.info["api_url"], user.client.token, first).request("GET", path)  # cold get_video
        cold["GET /videos/{id}"] = first.samples[0].seconds * 1000

        def get(_: int) -> int:
            return client.request("GET", path)[0]

        get_seconds = hammer(args.threads, args.gets, get)
        urls = [f"https://youtu.be/{DEMO_VIDEO_IDS[i % len(DEMO_VIDEO_IDS)]}" for i in range(args.posts)]

        def post(i: int) -> int:
            return client.request("POST", "/videos", {"url": urls[i]})[0]

        post_seconds = hammer(args.threads, args.posts, post)
        queued = stack.queue_depth()
        print()
        print("first request of a route in a fresh stack (handler imported on first use):")
        for route in ("GET /credits", "POST /credits/purchase", "POST /videos", "GET /videos/{id}"):
            if route in cold:
                print(f"  {route:<24} {cold[route]:>7.1f} ms")
        print()
        gets = Recorder([s for s in results.samples if s.route.startswith("GET")])
        posts = Recorder([s for s in results.samples if s.route.startswith("POST")])
        gets.report(get_seconds, f"GET /videos/{{id}}: {args.gets} requests, {args.threads} threads")
        print()
        posts.report(post_seconds, f"POST /videos: {args.posts} requests, {args.threads} threads")
        left = user.balance()
        print(
            f"credits left {left} (expected {balance - 1 - args.posts}); videos still in the queue: {queued}"
        )
    print(f"took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
