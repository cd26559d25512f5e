"""Emulated AWS: moto's server in this process, and every resource created from template.yaml.

Two behaviours are added to moto, both so that local behaves like AWS:
- DynamoDB requests are serialized (``ytsb_local.moto_lock``): moto's conditional writes and
  transactions are not atomic under concurrent requests, DynamoDB's are.
- Cognito answers a browser as the page needs (``ytsb_local.cognito``): CORS preflights, sign-ups
  confirmed at once (no e-mail locally), password reset codes printed on the terminal.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from ytsb_local.cognito import LocalCognito, StartResponse
from ytsb_local.moto_lock import serialize_dynamodb_requests
from ytsb_local.template import Resolver, resources_of_type


class LocalAwsApp:
    """WSGI wrapper around moto: Cognito requests and CORS preflights go through ``LocalCognito``."""

    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.cognito = LocalCognito(self.moto)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.cognito.handles(environ):
            return self.cognito(environ, start_response)
        return self.moto(environ, start_response)


class MotoServer:
    """moto on 127.0.0.1 in a daemon thread (port 0 picks a free port)."""

    def __init__(self, port: int) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        serialize_dynamodb_requests()
        self.app = LocalAwsApp()
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def _pick(props: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: props[n] for n in names if n in props}


def create_tables(client: Any, resolver: Resolver) -> None:
    for logical_id, spec in resources_of_type(resolver.template, "AWS::DynamoDB::Table").items():
        props = resolver.resolve(spec["Properties"])
        kwargs = _pick(
            props,
            "TableName",
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "BillingMode",
        )
        table = client.create_table(**kwargs)["TableDescription"]
        resolver.refs[logical_id] = table["TableName"]
        resolver.attrs[(logical_id, "Arn")] = table["TableArn"]


def create_queues(client: Any, resolver: Resolver) -> None:
    """Queues without a redrive policy first: a queue's DLQ must exist before it."""
    queues = resources_of_type(resolver.template, "AWS::SQS::Queue")
    ordered = sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]["Properties"])
    for logical_id, spec in ordered:
        props = resolver.resolve(spec["Properties"])
        attributes = {
            k: (json.dumps(v) if isinstance(v, dict) else str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in props.items()
            if k != "QueueName"
        }
        url = client.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resolver.refs[logical_id] = url
        resolver.attrs[(logical_id, "Arn")] = arn
        resolver.attrs[(logical_id, "QueueName")] = props["QueueName"]
        resolver.attrs[(logical_id, "QueueUrl")] = url


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape to the S3 API's."""
    out: dict[str, Any] = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "Transitions" in rule:
        out["Transitions"] = [
            {"Days": t["TransitionInDays"], "StorageClass": t["StorageClass"]} for t in rule["Transitions"]
        ]
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return out


def create_buckets(client: Any, resolver: Resolver) -> None:
    for logical_id, spec in resources_of_type(resolver.template, "AWS::S3::Bucket").items():
        props = resolver.resolve(spec["Properties"])
        name = props["BucketName"]
        client.create_bucket(Bucket=name)
        if "BucketEncryption" in props:
            rules = [  # CloudFormation says ServerSideEncryptionByDefault, the API Apply...
                {
                    "ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"],
                    **_pick(r, "BucketKeyEnabled"),
                }
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            client.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "VersioningConfiguration" in props:
            client.put_bucket_versioning(
                Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
            )
        if "LifecycleConfiguration" in props:
            rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            client.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        resolver.refs[logical_id] = name
        resolver.attrs[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"
    cloudfront = [
        n for n, r in resolver.template["Resources"].items() if r["Type"].startswith("AWS::CloudFront::")
    ]
    for spec in resources_of_type(resolver.template, "AWS::S3::BucketPolicy").values():
        if _names_any(spec, cloudfront):
            continue  # the web bucket's: it trusts the CloudFront distribution, which is not emulated
        props = resolver.resolve(spec["Properties"])
        # moto enforces bucket policies, and the local stack speaks plain HTTP: drop the TLS-only rule.
        document = props["PolicyDocument"]
        kept = [
            s
            for s in document["Statement"]
            if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))
        ]
        if kept:
            client.put_bucket_policy(
                Bucket=props["Bucket"], Policy=json.dumps({**document, "Statement": kept})
            )


def _names_any(value: Any, logical_ids: list[str]) -> bool:
    """Whether ``value`` refers (Ref, GetAtt or Sub) to any of ``logical_ids``."""
    text = json.dumps(value)
    return any(re.search(rf'"{name}"|\$\{{{name}[.}}]', text) for name in logical_ids)


def create_user_pools(client: Any, resolver: Resolver) -> None:
    for logical_id, spec in resources_of_type(resolver.template, "AWS::Cognito::UserPool").items():
        props = resolver.resolve(spec["Properties"])
        kwargs = _pick(
            props, "UsernameAttributes", "AutoVerifiedAttributes", "Policies", "AccountRecoverySetting"
        )
        pool = client.create_user_pool(PoolName=props["UserPoolName"], **kwargs)["UserPool"]
        resolver.refs[logical_id] = pool["Id"]
        resolver.attrs[(logical_id, "Arn")] = pool["Arn"]
    for logical_id, spec in resources_of_type(resolver.template, "AWS::Cognito::UserPoolClient").items():
        props = resolver.resolve(spec["Properties"])
        kwargs = _pick(
            props, "ClientName", "UserPoolId", "GenerateSecret", "ExplicitAuthFlows", "ReadAttributes"
        )
        app_client = client.create_user_pool_client(**kwargs)["UserPoolClient"]
        resolver.refs[logical_id] = app_client["ClientId"]


def create_all(endpoint_url: str, resolver: Resolver) -> None:
    """Every resource the functions use, in dependency order (tables, queues, bucket, user pool)."""
    region = resolver.refs["AWS::Region"]

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint_url, region_name=region)

    create_tables(client("dynamodb"), resolver)
    create_queues(client("sqs"), resolver)
    create_buckets(client("s3"), resolver)
    create_user_pools(client("cognito-idp"), resolver)
