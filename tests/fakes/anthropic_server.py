"""A fake Anthropic Messages API (also Bedrock's InvokeModel for Claude, and OpenAI chat
completions) on loopback, for tests and bench.

The real SDKs talk to it over HTTP (``base_url``), so retries, headers and error mapping are
exercised for real. Responses have the shape of the real API, usage included; input tokens are
estimated from the request at ~4 characters per token (text.estimate_tokens), so what the
server reports is what the client actually sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from yt_study_buddy.text import estimate_tokens

_MARKER = re.compile(r"\[(\d{1,2}(?::\d{2}){1,2})\]")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def prompt(self) -> str:
        return "\n".join(_content(m) for m in self.body.get("messages", []))

    @property
    def api_key(self) -> str | None:
        """The key the client sent (``x-api-key``, or ``authorization: Bearer`` in newer SDKs)."""
        bearer = self.headers.get("authorization", "")
        return self.headers.get("x-api-key") or (bearer.removeprefix("Bearer ") if bearer else None)

    @property
    def kind(self) -> str:
        """``merge``, ``part`` or ``single``: which of the pipeline's prompts this was."""
        if "<part number=" in self.prompt:
            return "merge"
        return "part" if "This is part " in self.prompt else "single"


def _content(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, list):
        return "\n".join(block.get("text", "") for block in content if isinstance(block, dict))
    return str(content)


def fake_note(prompt: str, kind: str) -> str:
    """A plausible note: the sections the prompt asks for, key points on its first markers."""
    markers = _MARKER.findall(prompt)[:5] or ["0:00"]
    concepts = "\n".join(f"- **Concept {i}**: explained in the video." for i in range(1, 4))
    points = "\n".join(f"- [{m}] A key point made at {m}." for m in markers)
    text = (
        f"# Fake notes ({kind})\n\n## Summary\nA summary.\n\n## Core Concepts\n{concepts}\n\n"
        f"## Key Points\n{points}\n\n## Examples\n- An example.\n\n"
        "## Definitions\n- **Term**: a definition.\n\n"
        "## Connections\n- Concept 1 relates to Concept 2.\n\n## Questions for Further Study\n- Why?\n"
    )
    if "## Assessment" in prompt:
        questions = "1. A question?\n   - **Model answer:** An answer.\n"
        text += "\n## Assessment\n" + "".join(
            f"### {name}\n{questions}"
            for name in ("Gap Analysis", "Application", "One-Up Challenge", "Synthesis")
        )
    return text


@dataclass
class FakeAnthropicServer:
    """Scripted failures first (``fail``), then realistic successes. Use as a context manager."""

    requests: list[Recorded] = field(default_factory=list)
    #: Pad every answer to about this many tokens (0: short answers), to make the merge
    #: request as large as it is with a real model, whose part notes run to ~1-2k tokens.
    answer_tokens: int = 0
    #: When set, every success answers this text instead of a plausible note (a hostile model).
    answer: str | None = None
    _script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests get ``status`` (fast retries: ``retry-after-ms: 1``)."""
        for _ in range(times):
            self._script.append((status, {"retry-after-ms": "1", **(headers or {})}))

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAnthropicServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def respond(
        self, path: str, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict]:
        with self._lock:
            status, extra = self._script.popleft() if self._script else (200, {})
        record = Recorded(path, {k.lower(): v for k, v in headers.items()}, body, status)
        with self._lock:
            self.requests.append(record)
        if status != 200:
            kind = _ERROR_TYPES.get(status, "api_error")
            return status, extra, {"type": "error", "error": {"type": kind, "message": f"fake {kind}"}}
        sent = str(body.get("system", "")) + "".join(_content(m) for m in body.get("messages", []))
        record.input_tokens = estimate_tokens(sent)
        text = self.answer if self.answer is not None else fake_note(record.prompt, record.kind)
        filler = "\n- A further point the model wrote about this part of the video."
        if self.answer_tokens > estimate_tokens(text):
            text += filler * ((self.answer_tokens - estimate_tokens(text)) * 4 // len(filler))
        record.output_tokens = estimate_tokens(text)
        if path.endswith("/chat/completions"):
            usage = {"prompt_tokens": record.input_tokens, "completion_tokens": record.output_tokens}
            message = {"role": "assistant", "content": text}
            return (
                200,
                {},
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": usage,
                },
            )
        return (
            200,
            {},
            {
                "id": f"msg_fake{len(self.requests):04d}",
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": record.input_tokens, "output_tokens": record.output_tokens},
            },
        )

    @property
    def successes(self) -> list[Recorded]:
        return [r for r in self.requests if r.status == 200]


def _handler(fake: FakeAnthropicServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            bedrock = self.path.startswith("/model/") and self.path.endswith("/invoke")  # InvokeModel
            if self.path.rstrip("/") not in ("/v1/messages", "/v1/chat/completions") and not bedrock:
                status, extra, payload = 404, {}, {"type": "error", "error": {"type": "not_found_error"}}
            else:
                status, extra, payload = fake.respond(self.path, dict(self.headers.items()), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", "req_fake")
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    return Handler
