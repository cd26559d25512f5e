"""The fault injector of the integration tests: AWS calls of the functions' own clients fail on demand.

Faults are injected with botocore event hooks on the functions' cached clients (the ``faults``
fixture of conftest.py): ``before-parameter-build`` raises before the request is sent (the call did
not happen), and ``after-call`` raises after the service applied it (the write happened, the answer
was lost, as on a timeout). Each fault fires once unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

Params = dict[str, Any]


@dataclass
class Fault:
    service: str
    operation: str
    match: Callable[[Params], bool]
    times: int = 1  # how many matching calls fail (-1: all)
    after: bool = False  # fail after the call was applied (the answer is lost)
    error: str = "client"  # "client": a 5xx ClientError; "connection": no route to the endpoint
    fired: int = 0

    def exception(self) -> Exception:
        if self.error == "connection":
            return EndpointConnectionError(endpoint_url=f"https://{self.service}.us-east-1.amazonaws.com")
        body = {"Error": {"Code": "InternalServerError", "Message": "injected fault"}}
        return ClientError(body, self.operation)  # type: ignore[arg-type]


@dataclass
class Faults:
    active: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> Fault:
        """Activate a fresh copy of ``fault`` (parameters are shared between runs) and return it."""
        fresh = replace(fault, fired=0)
        self.active.append(fresh)
        return fresh

    def clear(self) -> None:
        self.active.clear()

    def _due(self, service: str, operation: str, params: Params, after: bool) -> Fault | None:
        for fault in self.active:
            if (fault.service, fault.operation, fault.after) != (service, operation, after):
                continue
            if fault.times != -1 and fault.fired >= fault.times:
                continue
            if fault.match(params):
                fault.fired += 1
                return fault
        return None

    def before(self, params: Params, model: Any, context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        context["ytsb_params"] = params
        fault = self._due(service, model.name, params, after=False)
        if fault:
            raise fault.exception()

    def after_call(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        fault = self._due(service, model.name, context.get("ytsb_params", {}), after=True)
        if fault:
            raise fault.exception()


def ledger_put(prefix: str) -> Callable[[Params], bool]:
    """A TransactWriteItems that writes a ledger entry ``<prefix>...`` (spend_, refund_, grant_)."""

    def match(params: Params) -> bool:
        for item in params.get("TransactItems", []):
            entry = item.get("Put", {}).get("Item", {})
            if entry.get("transaction_id", {}).get("S", "").startswith(prefix):
                return True
        return False

    return match


def update_with(fragment: str) -> Callable[[Params], bool]:
    return lambda params: fragment in params.get("UpdateExpression", "")


def anything(params: Params) -> bool:
    return True


SPEND = ("dynamodb", "TransactWriteItems", ledger_put("spend_"))
GRANT = ("dynamodb", "TransactWriteItems", ledger_put("grant_"))
REFUND = ("dynamodb", "TransactWriteItems", ledger_put("refund_"))
SEND = ("sqs", "SendMessage", anything)
CLAIM = ("dynamodb", "UpdateItem", update_with("lease_until = :lease"))
PROGRESS = ("dynamodb", "UpdateItem", update_with("SET progress = :p"))
COMPLETE = ("dynamodb", "UpdateItem", update_with("#s = :completed"))
RELEASE = ("dynamodb", "UpdateItem", update_with("#s = :queued"))
S3_PUT = ("s3", "PutObject", anything)
NOTE_PUT = ("dynamodb", "PutItem", lambda params: params.get("TableName") == "ytsb-notes")


def fault(call: tuple[str, str, Callable[[Params], bool]], **options: Any) -> Fault:
    service, operation, match = call
    return Fault(service, operation, match, **options)
