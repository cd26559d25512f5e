"""``python -m ytsb_local [run | signup EMAIL PASSWORD | confirm EMAIL | token EMAIL PASSWORD | pay PI]``.

run      starts the stack in the foreground until Ctrl-C, the page on http://127.0.0.1:8787/; writes
         .ytsb/local.json when ready.
signup   signs a user up in the local pool (confirmed at once), like a client would.
confirm  confirms a sign-up by hand (sign-ups through the local pool are confirmed automatically).
token    prints an id token for an existing user (handy with curl).
pay      pays a PaymentIntent with test card 4242 at localstripe, as a browser would; the webhook follows.

``make run`` is ``run``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

from ytsb_local.cognito import verify_email
from ytsb_local.stack import LocalStack, Options
from ytsb_local.stripe import pay_with_test_card

USAGE = """
  Open {web_url} in your browser.

YouTube Study Buddy is running locally (Ctrl-C stops it); password reset codes are printed here.
Or try the API with curl:

  API={api_url}
  .venv/bin/python -m ytsb_local signup me@example.com 'Passw0rd!'   # confirmed automatically
  TOKEN=$(.venv/bin/python -m ytsb_local token me@example.com 'Passw0rd!')
  curl -s -H "Authorization: Bearer $TOKEN" $API/credits
  curl -s -H "Authorization: Bearer $TOKEN" -d '{{"url": "https://youtu.be/Xq3b7LmR9tA"}}' $API/videos
  curl -s -H "Authorization: Bearer $TOKEN" $API/videos
  curl -s -H "Authorization: Bearer $TOKEN" "$API/notes/NOTE_ID?include_content=true"
  curl -s -H "Authorization: Bearer $TOKEN" -d '{{"package": "basic"}}' $API/credits/purchase
  .venv/bin/python -m ytsb_local pay PAYMENT_INTENT_ID     # test card 4242; the webhook adds the credits

Stripe (localstripe): {stripe_api_base}  key {stripe_api_key}; its webhooks go to $API/webhooks/stripe.
Endpoints and ids: {state_file}
"""


def _state() -> dict[str, Any]:
    path = Options.from_env().state_dir / "local.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sys.exit(f"{path} not found: start the stack first (make run)")


def _idp(state: dict[str, Any]) -> Any:
    import boto3

    return boto3.client(
        "cognito-idp",
        endpoint_url=state["aws_endpoint_url"],
        region_name=state["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any credentials
    )


def run() -> None:
    options = Options.from_env()
    stack = LocalStack(options)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stopping.is_set():  # a second Ctrl-C: do not wait for a clean stop
            os._exit(128 + signum)
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        try:
            info = stack.start()
        except OSError as exc:
            ports = "YTSB_PORT (8787), YTSB_AWS_PORT (8788), YTSB_STRIPE_PORT (8789)"
            sys.exit(f"cannot start: {exc}. Free the port or choose another: {ports}.")
        print(USAGE.format(**info, state_file=options.state_dir / "local.json"), flush=True)
        print(f"ready in {info['started_in_seconds']} s", file=sys.stderr, flush=True)
        stopping.wait()
    finally:
        print("stopping... (Ctrl-C again to force)", file=sys.stderr, flush=True)
        stack.stop()
    # Everything is stopped; skip the interpreter's slow teardown of moto's thousands of objects.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def signup(email: str, password: str) -> None:
    state = _state()
    _idp(state).sign_up(ClientId=state["user_pool_client_id"], Username=email, Password=password)
    print(f"signed up {email}")


def confirm(email: str) -> None:
    state = _state()
    _idp(state).admin_confirm_sign_up(UserPoolId=state["user_pool_id"], Username=email)
    verify_email(_idp(state), state["user_pool_id"], email)
    print(f"confirmed {email}")


def token(email: str, password: str) -> None:
    state = _state()
    result = _idp(state).initiate_auth(
        ClientId=state["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    print(result["AuthenticationResult"]["IdToken"])


def pay(payment_intent_id: str) -> None:
    state = _state()
    status = pay_with_test_card(state["stripe_api_base"], state["stripe_api_key"], payment_intent_id)
    print(f"{payment_intent_id}: {status}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ytsb_local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the stack (default)")
    p_signup = sub.add_parser("signup", help="sign a user up (confirmed automatically)")
    p_signup.add_argument("email")
    p_signup.add_argument("password")
    p_confirm = sub.add_parser("confirm", help="confirm a user's sign-up")
    p_confirm.add_argument("email")
    p_token = sub.add_parser("token", help="print an id token")
    p_token.add_argument("email")
    p_token.add_argument("password")
    p_pay = sub.add_parser("pay", help="pay a PaymentIntent with a test card (localstripe)")
    p_pay.add_argument("payment_intent_id")
    args = parser.parse_args(argv)
    if args.command == "signup":
        signup(args.email, args.password)
    elif args.command == "confirm":
        confirm(args.email)
    elif args.command == "token":
        token(args.email, args.password)
    elif args.command == "pay":
        pay(args.payment_intent_id)
    else:
        run()


if __name__ == "__main__":
    main()
