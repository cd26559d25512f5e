"""Cognito for a browser, locally: what the page needs from moto's cognito-idp that moto does not do.

The page calls Cognito's own API from the browser (JSON with ``X-Amz-Target``, no signature):
- CORS: a preflight carries no ``X-Amz-Target``, so moto would route it to S3; it is answered here
  (moto's own CORS support adds ``Access-Control-Allow-Origin`` to the answers themselves).
- An unsigned request names no region; it gets the stack's, so that moto's region-bound actions
  (GlobalSignOut) find the pool.
- SignUp is confirmed at once (there is no e-mail locally) and the answer says so
  (``UserConfirmed: true``), so the page skips the code step; real Cognito says false and e-mails a code.
- ForgotPassword: the code Cognito would e-mail is printed on the stack's terminal. moto accepts any
  code unless it is given in moto's own form, so ConfirmForgotPassword passes the typed code in that
  form: a wrong code is a ``CodeMismatchException``, as on AWS.
- ResendConfirmationCode, which moto lacks, is answered as Cognito does.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

TARGET = "AWSCognitoIdentityProviderService."
MOTO_CODE = "moto-confirmation-code:"  # moto checks only codes of this form
CODE_HEADER = "x-moto-forgot-password-confirmation-code"


@dataclass
class _Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class LocalCognito:
    """WSGI middleware in front of moto for Cognito requests and CORS preflights."""

    def __init__(self, moto: WsgiApp) -> None:
        self.moto = moto
        self.idp: Any = None  # a boto3 cognito-idp client of the stack, once bound
        self.pool_id = self.client_id = self.region = ""

    def bind(self, idp: Any, pool_id: str, client_id: str) -> None:
        """The stack's pool and app client: sign-ups are confirmed in it, codes resent for it."""
        self.idp, self.pool_id, self.client_id = idp, pool_id, client_id
        self.region = idp.meta.region_name

    def handles(self, environ: dict[str, Any]) -> bool:
        return self.idp is not None and (
            _is_preflight(environ) or environ.get("HTTP_X_AMZ_TARGET", "").startswith(TARGET)
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if _is_preflight(environ):
            return self._preflight(environ, start_response)
        if not environ.get("HTTP_AUTHORIZATION"):
            environ["HTTP_HOST"] = f"cognito-idp.{self.region}.amazonaws.com"  # moto reads the region here
        action = environ["HTTP_X_AMZ_TARGET"][len(TARGET) :]
        handler = {
            "SignUp": self._sign_up,
            "ForgotPassword": self._forgot_password,
            "ConfirmForgotPassword": self._confirm_forgot_password,
            "ResendConfirmationCode": self._resend_confirmation_code,
        }.get(action)
        if handler is None:
            return self.moto(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict):  # moto says what is wrong with it
            return _respond(start_response, self._forward(environ, body))
        return _respond(start_response, handler(environ, body, request))

    def _forward(self, environ: dict[str, Any], body: bytes) -> _Answer:
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        answer = _Answer("", [], b"")

        def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> Callable[[bytes], Any]:
            answer.status, answer.headers = status, list(headers)
            return lambda _data: None

        answer.body = b"".join(self.moto(environ, capture))
        return answer

    def _sign_up(self, environ: dict[str, Any], body: bytes, request: dict[str, Any]) -> _Answer:
        answer = self._forward(environ, body)
        if answer.status.startswith("200"):
            self.idp.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=request["Username"])
            verify_email(self.idp, self.pool_id, request["Username"])
            result = {**json.loads(answer.body), "UserConfirmed": True}
            result.pop("CodeDeliveryDetails", None)  # nothing was sent
            answer.body = json.dumps(result).encode()
        return answer

    def _forgot_password(self, environ: dict[str, Any], body: bytes, request: dict[str, Any]) -> _Answer:
        answer = self._forward(environ, body)
        code = next((v for k, v in answer.headers if k.lower() == CODE_HEADER), "")
        answer.headers = [(k, v) for k, v in answer.headers if k.lower() != CODE_HEADER]
        if answer.status.startswith("200") and code.startswith(MOTO_CODE):  # None for an unknown user
            username = request.get("Username")
            print(f"cognito  password reset code for {username}: {code[len(MOTO_CODE) :]}", file=sys.stderr)
            sys.stderr.flush()
        return answer

    def _confirm_forgot_password(
        self, environ: dict[str, Any], body: bytes, request: dict[str, Any]
    ) -> _Answer:
        code = request.get("ConfirmationCode")
        if isinstance(code, str) and not code.startswith(MOTO_CODE):
            body = json.dumps({**request, "ConfirmationCode": MOTO_CODE + code}).encode()
        answer = self._forward(environ, body)
        if answer.status.startswith("400") and b"ExpiredCodeException" in answer.body:  # moto's word for it
            message = "Invalid verification code provided, please try again."
            return _error(environ, "CodeMismatchException", message)
        return answer

    def _resend_confirmation_code(
        self, environ: dict[str, Any], _body: bytes, request: dict[str, Any]
    ) -> _Answer:
        username = request.get("Username")
        if request.get("ClientId") != self.client_id:
            return _error(
                environ,
                "ResourceNotFoundException",
                f"User pool client {request.get('ClientId')} does not exist.",
            )
        if not isinstance(username, str) or not username:
            return _error(environ, "InvalidParameterException", "Username is required.")
        try:
            user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=username)
        except self.idp.exceptions.UserNotFoundException:
            return _error(environ, "UserNotFoundException", "Username/client id combination not found.")
        if user["UserStatus"] == "CONFIRMED":
            return _error(environ, "InvalidParameterException", "User is already confirmed.")
        print(f"cognito  sign-up code for {username}: any code is accepted locally", file=sys.stderr)
        sys.stderr.flush()
        email = next((a["Value"] for a in user["UserAttributes"] if a["Name"] == "email"), username)
        local, _, domain = email.partition("@")
        details = {
            "Destination": f"{local[:1]}***@{domain[:1]}***",
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        }
        return _own(environ, "200 OK", {"CodeDeliveryDetails": details})

    def _preflight(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "content-type,x-amz-target")
        headers = [
            *_cors(environ),
            ("Access-Control-Allow-Methods", "POST, OPTIONS"),
            ("Access-Control-Allow-Headers", requested),
            ("Access-Control-Max-Age", "600"),
        ]
        return _respond(start_response, _Answer("204 No Content", headers, b""))


def verify_email(idp: Any, pool_id: str, username: str) -> None:
    """Mark the e-mail verified, as Cognito does when a sign-up is confirmed with the e-mailed code
    (moto does not): the API grants the free tier only to a verified e-mail."""
    verified = [{"Name": "email_verified", "Value": "true"}]
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username=username, UserAttributes=verified)


def _is_preflight(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ


def _cors(environ: dict[str, Any]) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN") or "*"), ("Vary", "Origin")]


def _own(environ: dict[str, Any], status: str, data: dict[str, Any]) -> _Answer:
    headers = [("Content-Type", "application/x-amz-json-1.1"), *_cors(environ)]
    return _Answer(status, headers, json.dumps(data).encode())


def _error(environ: dict[str, Any], error_type: str, message: str) -> _Answer:
    answer = _own(environ, "400 Bad Request", {"__type": error_type, "message": message})
    answer.headers.append(("X-Amzn-ErrorType", error_type))
    return answer


def _respond(start_response: StartResponse, answer: _Answer) -> list[bytes]:
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    start_response(answer.status, [*headers, ("Content-Length", str(len(answer.body)))])
    return [answer.body]
