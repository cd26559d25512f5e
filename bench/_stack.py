"""What bench/local_api.py and bench/load.py share: the local stack, its users, a timed HTTP client.

Not a benchmark itself (``make bench`` skips ``bench/_*.py``). The scripts import it as ``_stack``
(Python puts the script's directory on ``sys.path``).

- ``LocalStack``: ``python -m ytsb_local`` as a child (``ytsb_local.child``, as in the e2e tests)
  with its own temporary ``YTSB_STATE_DIR``, or an already running stack's ``local.json``.
- ``User``: signs up in the stack's Cognito pool (moto), signs in, buys credits with localstripe's
  test card (``ytsb_local.stripe.pay_with_test_card``) and waits for the webhook to add them.
- ``Client``: one keep-alive HTTP connection per thread; every request is timed into a ``Recorder``
  under its route (``GET /videos/{id}``), which prints req/s, p50/p95/p99 and errors by status.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # ytsb_local from a checkout

from ytsb_local.child import ChildStack, child_env  # noqa: E402
from ytsb_local.waiting import wait_for  # noqa: E402

PASSWORD = "Corr3ct-horse-battery"
PACKAGES = {"basic": 10, "standard": 25, "premium": 50}


# ------------------------------------------------------------------ the stack


class LocalStack:
    """The local stack: started here (``start``) or already running (``attach``); ``info`` is local.json."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.state_dir: Path | None = None
        self.started_in: float | None = None
        self._child: ChildStack | None = None

    @classmethod
    def start(cls, extra_env: dict[str, str] | None = None) -> LocalStack:
        """``python -m ytsb_local`` on free ports, state in a new temporary directory."""
        stack = cls()
        stack.state_dir = Path(tempfile.mkdtemp(prefix="ytsb-bench-"))
        stack._child = ChildStack(child_env(stack.state_dir, extra_env))
        began = time.perf_counter()
        try:
            stack.info = stack._child.start()
        except BaseException:
            shutil.rmtree(stack.state_dir, ignore_errors=True)
            raise
        stack.started_in = time.perf_counter() - began
        return stack

    @classmethod
    def attach(cls, state_file: Path, api_url: str | None = None) -> LocalStack:
        """A stack someone else runs (``make run``): its local.json, optionally another API URL."""
        stack = cls()
        try:
            stack.info = json.loads(state_file.read_text())
        except FileNotFoundError:
            sys.exit(
                f"{state_file} not found: start the stack (make run) or leave out --state-file/--api-url"
            )
        stack.state_dir = state_file.parent
        if api_url:
            stack.info["api_url"] = api_url.rstrip("/")
        return stack

    def log_tail(self, chars: int = 3000) -> str:
        return self._child.log_tail(chars) if self._child else ""

    def stop(self) -> float:
        """Stops a stack started here (and removes its state); the seconds it took."""
        if self._child is None:
            return 0.0
        took = self._child.stop()
        if self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        return took

    @property
    def exit_code(self) -> int | None:
        return None if self._child is None else self._child.exit_code

    def boto3_client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service, endpoint_url=self.info["aws_endpoint_url"], region_name=self.info["region"],
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip

    def boto3_resource(self, service: str) -> Any:
        import boto3

        return boto3.resource(
            service, endpoint_url=self.info["aws_endpoint_url"], region_name=self.info["region"],
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip

    def queue_depth(self) -> int:
        """Messages visible + in flight + delayed in the video queue."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attrs = self.boto3_client("sqs").get_queue_attributes(
            QueueUrl=self.info["video_queue_url"], AttributeNames=names
        )["Attributes"]
        return sum(int(attrs.get(n, 0)) for n in names)


@contextmanager
def running_stack(state_file: Path | None = None, api_url: str | None = None) -> Iterator[LocalStack]:
    """Our own stack (stopped afterwards), or the one ``state_file``/``api_url`` names (left running)."""
    if state_file is None and api_url is None:
        stack = LocalStack.start()
        print(f"local stack started in {stack.started_in:.1f} s: {stack.info['api_url']}")
        try:
            yield stack
        finally:
            took = stack.stop()
            print(f"local stack stopped in {took:.1f} s (exit code {stack.exit_code})")
    else:
        default = Path(os.environ.get("YTSB_STATE_DIR", ROOT / ".ytsb")) / "local.json"
        stack = LocalStack.attach(state_file or default, api_url)
        print(f"using the running stack at {stack.info['api_url']}")
        yield stack


# ------------------------------------------------------------------ timing


@dataclass
class Sample:
    route: str
    status: int  # 0: no HTTP answer (connection error, timeout)
    seconds: float


@dataclass
class Recorder:
    """Every timed request, by route; thread-safe."""

    samples: list[Sample] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.samples.append(Sample(route, status, seconds))

    def time(self, route: str) -> Any:
        """``with recorder.time("cognito sign-up"):`` for what is not an API request (status 200/0)."""
        return _Timed(self, route)

    def report(self, wall_seconds: float, title: str = "") -> None:
        by_route: dict[str, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            by_route[sample.route].append(sample)
        if title:
            print(title)
        header = (
            f"{'route':<28} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8}  errors"
        )
        print(header)
        for route in sorted(by_route, key=lambda r: (r.startswith("("), r)):
            samples = by_route[route]
            ms = sorted(s.seconds * 1000 for s in samples)
            errors = Counter(s.status for s in samples if not 200 <= s.status < 300)
            shown = ", ".join(f"{n} x {status or 'no answer'}" for status, n in sorted(errors.items())) or "-"
            print(
                f"{route:<28} {len(samples):>8} {len(samples) / wall_seconds:>7.1f} "
                f"{percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f} "
                f"{ms[-1]:>8.1f}  {shown}"
            )
        api = [s for s in self.samples if not s.route.startswith("(")]
        if api:
            errors = Counter(s.status for s in api if not 200 <= s.status < 300)
            shown = (
                ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(errors.items())) or "none"
            )
            print(
                f"API total: {len(api)} requests in {wall_seconds:.1f} s = "
                f"{len(api) / wall_seconds:.1f} req/s; errors by status: {shown}"
            )

    def errors(self) -> Counter[int]:
        return Counter(s.status for s in self.samples if not 200 <= s.status < 300)


class _Timed:
    def __init__(self, recorder: Recorder, route: str) -> None:
        self.recorder, self.route = recorder, route

    def __enter__(self) -> None:
        self.began = time.perf_counter()

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.recorder.add(self.route, 0 if kind else 200, time.perf_counter() - self.began)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def route_of(method: str, path: str) -> str:
    """``GET /videos/video_1_abc?x=1`` -> ``GET /videos/{id}``."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 2 and parts[0] in ("videos", "notes"):
        parts[1] = "{id}"
    return f"{method} /{'/'.join(parts)}"


# ------------------------------------------------------------------ the API, as a user


class HttpError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body


class Client:
    """The API for one signed-in user; a keep-alive connection per thread, every request timed."""

    def __init__(self, api_url: str, token: str, recorder: Recorder, timeout: float = 30) -> None:
        url = urlsplit(api_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.prefix = url.path.rstrip("/")
        self.token, self.recorder, self.timeout = token, recorder, timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return conn

    def request(self, method: str, path: str, body: Any = None, route: str | None = None) -> tuple[int, Any]:
        """(status, decoded body); status 0 if there was no answer. Timed under ``route``."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        status, payload = 0, None
        for attempt in range(2):  # a kept-alive connection the server has closed: reconnect once
            conn = self._connection()
            try:
                conn.request(method, self.prefix + path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                status = response.status
                payload = json.loads(raw) if raw else None
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._local.conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                self._local.conn = None
                if attempt == 1:
                    payload = {"error": repr(exc)}
            except (OSError, http.client.HTTPException, ValueError) as exc:
                conn.close()
                self._local.conn = None
                payload = {"error": repr(exc)}
                break
        self.recorder.add(route or route_of(method, path), status, time.perf_counter() - began)
        return status, payload

    def ok(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, payload = self.request(method, path, body)
        if status != expect:
            raise HttpError(status, payload)
        return payload


@dataclass
class User:
    """A student of the local stack: signed up, signed in, with a client and what they paid for."""

    email: str
    user_id: str
    client: Client
    stack: LocalStack
    credits_bought: int = 0

    @classmethod
    def sign_up(cls, stack: LocalStack, recorder: Recorder) -> User:
        import jwt

        idp = stack.boto3_client("cognito-idp")
        email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        client_id = stack.info["user_pool_client_id"]
        with recorder.time("(cognito) sign-up + sign-in"):
            idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)  # confirmed by the stack
            auth = idp.initiate_auth(
                ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
            )  # fmt: skip
        token = auth["AuthenticationResult"]["IdToken"]
        user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
        return cls(email, user_id, Client(stack.info["api_url"], token, recorder), stack)

    def balance(self) -> int:
        return int(self.client.ok("GET", "/credits")["credits"])

    def buy(self, package: str = "premium", timeout: float = 30) -> int:
        """Purchase, pay with test card 4242 at localstripe, wait for the webhook's credits. The balance."""
        from ytsb_local.stripe import pay_with_test_card

        before = self.balance()
        intent = self.client.ok("POST", "/credits/purchase", {"package": package})
        with self.client.recorder.time("(stripe) pay, test card"):
            status = pay_with_test_card(
                self.stack.info["stripe_api_base"],
                self.stack.info["stripe_api_key"],
                intent["payment_intent_id"],
            )
        if status != "succeeded":
            raise RuntimeError(f"payment {intent['payment_intent_id']}: {status}")
        self.credits_bought += intent["credits"]
        wanted = before + intent["credits"]
        began = time.perf_counter()
        wait_for(lambda: self.balance() >= wanted, timeout, 0.05, f"{self.email}: credits after the webhook")
        self.client.recorder.add("(webhook) paid to credited", 200, time.perf_counter() - began)
        return wanted
