"""Make moto's DynamoDB serialise requests the way DynamoDB serialises writes to an item.

moto 5's ``transact_write_items`` is not atomic under threads: it evaluates conditions and
writes item by item with no lock, and on a cancellation it restores a deep copy of whole
tables, which can undo another thread's committed writes. Conditional updates have the same
check-then-write race. Real DynamoDB gives every conditional write and transaction
isolation, so concurrency tests against moto need one lock around each DynamoDB request.

Call ``serialize_dynamodb_requests()`` once per process, before serving (moto's threaded
server or ``mock_aws``). Idempotent. It wraps ``DynamoHandler.call_action``, the one entry
point of every DynamoDB API call in both modes, in a process-wide re-entrant lock.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.RLock()


def serialize_dynamodb_requests() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "_ytsb_serialized", False):
        return

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    call_action._ytsb_serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
