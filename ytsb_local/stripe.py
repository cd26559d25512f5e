"""Stripe, emulated: localstripe's aiohttp app on 127.0.0.1 in a thread of this process.

In-process rather than the ``localstripe`` command because that one binds every interface
(``::``) and pickles its store to a fixed ``/tmp`` file shared by every instance.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from typing import Any

DEV_API_KEY = "sk_test_ytsb_local"
DEV_WEBHOOK_SECRET = "whsec_ytsb_local_dev"  # noqa: S105 - a local development value, not a secret
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed"]


class LocalStripe:
    def __init__(self, port: int) -> None:
        from aiohttp import web
        from localstripe.resources import store
        from localstripe.server import app

        store.dump_to_disk = lambda: None  # keep the store in memory, per instance
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        self._loop.run_until_complete(site.start())
        sockets: Any = site._server.sockets  # type: ignore[union-attr]
        self.port: int = sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=self._loop.run_forever, name="localstripe", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

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


def pay_with_test_card(api_base: str, api_key: str, payment_intent_id: str) -> str:
    """What a browser does with the client secret: attach test card 4242, then confirm.

    localstripe refuses ``payment_method`` on confirm, so it is attached with an update first
    (Stripe accepts both ways). Returns the PaymentIntent's status; localstripe then signs and
    delivers ``payment_intent.succeeded`` to the registered webhook.
    """
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": api_base})
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
    method = client.v1.payment_methods.create(params={"type": "card", "card": card})
    client.v1.payment_intents.update(payment_intent_id, params={"payment_method": method.id})
    return str(client.v1.payment_intents.confirm(payment_intent_id).status)
