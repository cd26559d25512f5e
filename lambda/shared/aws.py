"""boto3 clients, created lazily once per container (boto3 honours AWS_ENDPOINT_URL itself)."""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """A cached low-level client; creation is locked because boto3 sessions are not thread-safe."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
                # presigned URLs (a large note's content_url) signed with SigV4, which every region takes
                signature_version="s3v4" if service == "s3" else None,
            )
            _clients[service] = boto3.client(service, config=config)
        return _clients[service]


def reset_clients() -> None:
    with _lock:
        _clients.clear()
