"""template.yaml, read as data: the local stack builds everything from it, so the two cannot drift.

Only the few intrinsic functions the template uses are evaluated (Ref, Sub, GetAtt, If, Not,
Equals); physical names come from the caller (e.g. moto's queue URL once the queue exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"
LOCAL_ACCOUNT_ID = "123456789012"  # moto's default account


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation short tags (``!Ref X`` becomes ``{"Ref": "X"}``)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and known resources.

    ``refs`` maps a logical id to its Ref value, ``attrs`` maps ``(logical id, attribute)`` to a
    GetAtt value; the local stack fills both as it creates resources.
    """

    def __init__(self, template: dict[str, Any], region: str, parameters: dict[str, str] | None = None):
        self.template = template
        self.refs: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": LOCAL_ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": "ytsb-local",
            "AWS::URLSuffix": "amazonaws.com",
        }
        for name, spec in template.get("Parameters", {}).items():
            self.refs[name] = str((parameters or {}).get(name, spec.get("Default", "")))
        self.attrs: dict[tuple[str, str], Any] = {}

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return _NO_VALUE if arg == "AWS::NoValue" else self.refs[arg]
            if key == "Fn::GetAtt":
                return self.attrs[(arg[0], arg[1])]
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub_var(m.group(1))), arg)
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Condition":
                return self.condition(arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _sub_var(self, name: str) -> Any:
        if "." in name:
            logical_id, attribute = name.split(".", 1)
            return self.attrs[(logical_id, attribute)]
        return self.refs[name]


_NO_VALUE: Any = object()


@dataclass(frozen=True)
class Route:
    """One API event of a function: what the API Gateway emulator serves."""

    method: str
    path: str
    function: str  # logical id
    handler: str  # e.g. "submit_video.handler.lambda_handler"
    authorized: bool


def api_routes(template: dict[str, Any]) -> list[Route]:
    apis = resources_of_type(template, "AWS::Serverless::Api")
    default_auth = {
        name: spec["Properties"].get("Auth", {}).get("DefaultAuthorizer") for name, spec in apis.items()
    }
    routes = []
    for name, spec in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in spec["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            api = props.get("RestApiId", {}).get("Ref")
            authorizer = props.get("Auth", {}).get("Authorizer", default_auth.get(api))
            routes.append(
                Route(
                    method=props["Method"].upper(),
                    path=props["Path"],
                    function=name,
                    handler=spec["Properties"]["Handler"],
                    authorized=bool(authorizer) and authorizer != "NONE",
                )
            )
    return routes


def function_property(template: dict[str, Any], function: str, name: str) -> Any:
    """A function property, falling back to the template's Globals like SAM does."""
    props = template["Resources"][function]["Properties"]
    if name in props:
        return props[name]
    return template.get("Globals", {}).get("Function", {}).get(name)


def queue_consumer(template: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(function logical id, queue logical id, SQS event properties) of the one SQS event source."""
    for name, spec in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in spec["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                return name, queue, event["Properties"]
    raise LookupError("template.yaml has no SQS event source")


@dataclass(frozen=True)
class Schedule:
    """One Schedule event of a function: what the local scheduler invokes, and how often."""

    name: str  # the event's name, e.g. "SweepSchedule"
    function: str  # logical id
    seconds: int


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> int:
    """``rate(10 minutes)`` -> 600 (EventBridge rate expressions; cron ones are not used here)."""
    match = re.fullmatch(r"rate\((\d+) (\w+)\)", expression.strip())
    if not match or match.group(2) not in _RATE_UNITS or int(match.group(1)) < 1:
        raise ValueError(f"not a rate expression: {expression!r}")
    return int(match.group(1)) * _RATE_UNITS[match.group(2)]


def schedules(template: dict[str, Any]) -> list[Schedule]:
    found = []
    for name, spec in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in spec["Properties"].get("Events", {}).items():
            if event["Type"] == "Schedule":
                seconds = rate_seconds(event["Properties"]["Schedule"])
                found.append(Schedule(event_name, name, seconds))
    return found


def api_cors_headers(template: dict[str, Any]) -> dict[str, str]:
    """The preflight response headers of the API's ``Cors`` setting (SAM quotes each value)."""
    names = {
        "AllowOrigin": "Access-Control-Allow-Origin",
        "AllowHeaders": "Access-Control-Allow-Headers",
        "AllowMethods": "Access-Control-Allow-Methods",
        "MaxAge": "Access-Control-Max-Age",
    }
    headers = {}
    for spec in resources_of_type(template, "AWS::Serverless::Api").values():
        for key, value in spec["Properties"].get("Cors", {}).items():
            if key in names:
                headers[names[key]] = str(value).strip("'")
    return headers
