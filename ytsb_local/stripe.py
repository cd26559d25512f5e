"""Stripe, emulated: localstripe's aiohttp app on 127.0.0.1 in a thread of this process.

In-process rather than the ``localstripe`` command because that one binds every interface
(``::``) and pickles its store to a fixed ``/tmp`` file shared by every instance. Paying goes
through localstripe's HTTP API with the dev secret key (``confirm_with_card``), as the browser
would through Stripe.js: the ``pay`` command and the local Stripe.js share it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

DEV_API_KEY = "sk_test_ytsb_local"
DEV_PUBLISHABLE_KEY = "pk_test_ytsb_local"
DEV_WEBHOOK_SECRET = "whsec_ytsb_local_dev"  # noqa: S105 - a local development value, not a secret
# The events the production endpoint is registered for (README); localstripe emits only the first two
# (refunds and disputes are tested with events signed as Stripe signs them).
WEBHOOK_EVENTS = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
]
TEST_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
# Only these may be confirmed (again): Stripe lets a declined or abandoned payment be retried.
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_paying = threading.Lock()  # one confirmation at a time: its read-update-confirm is not atomic


class LocalStripe:
    """localstripe's app on 127.0.0.1 (port 0 picks a free port); ``start`` serves it from its own thread.

    The event loop is set up and run only in that thread: the caller's thread may already be running
    a loop of its own (Playwright's sync API keeps one in the tests' main thread).
    """

    def __init__(self, port: int) -> None:
        import warnings

        from aiohttp import web

        with warnings.catch_warnings():  # localstripe registers sync handlers, which aiohttp deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            from localstripe.resources import store
            from localstripe.server import app

        store.dump_to_disk = lambda: None  # keep the store in memory, per instance
        self._requested_port = port
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, access_log=None)
        self._thread = threading.Thread(target=self._loop.run_forever, name="localstripe", daemon=True)

    async def _serve(self) -> int:
        from aiohttp import web

        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._requested_port)
        await site.start()
        sockets: Any = site._server.sockets  # type: ignore[union-attr]
        return int(sockets[0].getsockname()[1])

    def start(self) -> None:
        """Serve; returns once the port is bound (an ``OSError`` if it cannot be)."""
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def register_webhook(self, url: str, secret: str = DEV_WEBHOOK_SECRET) -> None:
        """Deliver payment events, signed with ``secret``, to ``url`` (the local webhook route)."""
        data = json.dumps({"url": url, "secret": secret, "events": WEBHOOK_EVENTS}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own loopback URL
            f"{self.url}/_config/webhooks/ytsb", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback only
            response.read()

    def stop(self) -> None:
        async def _cleanup() -> None:
            await self._runner.cleanup()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_cleanup(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


class StripeError(Exception):
    """An error answer of the Stripe API: its HTTP status and its ``error`` object."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"{status}: {error.get('message', '')}")
        self.status, self.error = status, error


@dataclass(frozen=True)
class StripeApi:
    """localstripe's API with the secret key, JSON both ways (localstripe accepts JSON bodies)."""

    base: str
    key: str = DEV_API_KEY

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - our own loopback URL
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read()).get("error") or {}
            except ValueError:
                answer = {}
            raise StripeError(error.code, answer if isinstance(answer, dict) else {}) from None

    def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        return self.call("GET", f"/v1/payment_intents/{payment_intent_id}")


def confirm_with_card(api: StripeApi, payment_intent_id: str, card: dict[str, Any]) -> dict[str, Any]:
    """The PaymentIntent after confirming it with ``card``: what Stripe.js's confirmCardPayment asks Stripe.

    localstripe refuses ``payment_method`` on confirm, so the card is attached with an update first
    (Stripe accepts both ways). localstripe also keeps a declined charge or a pending 3-D Secure
    action on the PaymentIntent, which would make it unpayable; Stripe lets it be confirmed again
    with another card, so the update clears them. Raises StripeError: 402 for a declined card (and
    then localstripe signs ``payment_intent.payment_failed`` to the webhook), 400 for a PaymentIntent
    that cannot be confirmed; a success is followed by ``payment_intent.succeeded``.
    """
    with _paying:
        intent = api.payment_intent(payment_intent_id)
        if intent["status"] not in CONFIRMABLE:
            raise StripeError(400, {"code": "payment_intent_unexpected_state", "status": intent["status"]})
        method = api.call("POST", "/v1/payment_methods", {"type": "card", "card": card})
        api.call(
            "POST",
            f"/v1/payment_intents/{payment_intent_id}",
            {"payment_method": method["id"], "latest_charge": None, "next_action": None},
        )
        return api.call("POST", f"/v1/payment_intents/{payment_intent_id}/confirm", {})


def authenticate(api: StripeApi, payment_intent_id: str, client_secret: str, success: bool) -> dict[str, Any]:
    """The PaymentIntent after its 3-D Secure test page was completed (or failed), localstripe's way."""
    with _paying:
        return api.call(
            "POST",
            f"/v1/payment_intents/{payment_intent_id}/_authenticate",
            {"client_secret": client_secret, "success": success},
        )


def pay_with_test_card(api_base: str, api_key: str, payment_intent_id: str) -> str:
    """What a browser does with the client secret: pay with test card 4242; returns the status."""
    return str(confirm_with_card(StripeApi(api_base, api_key), payment_intent_id, TEST_CARD)["status"])
