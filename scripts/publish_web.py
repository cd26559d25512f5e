"""Publish web/ to a deployed stack: config.json from its outputs, the files, a CloudFront invalidation.

    python scripts/publish_web.py --stack youtube-study-buddy [--region eu-west-1]   (or: make publish-web)

There is no build step, so file names carry no hash: index.html and config.json are ``no-cache`` (always
revalidated), the modules and the stylesheet get a short max-age so a deploy reaches every browser
within a minute. The entry points are uploaded last, so no visitor gets an index.html whose modules
are not there yet; objects no longer in web/ are deleted; then every path is invalidated.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import mimetypes
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
CONFIG_KEY = "config.json"
ENTRY_POINTS = ("index.html", CONFIG_KEY)  # uploaded last, never cached without revalidation
NO_CACHE = "no-cache"
SHORT_CACHE = "public, max-age=60, must-revalidate"
STRIPE_JS_URL = "https://js.stripe.com/v3/"  # Stripe.js must be loaded from Stripe, never copied
REQUIRED_OUTPUTS = (
    "UserPoolId",
    "UserPoolClientId",
    "StripePublishableKey",
    "WebBucketName",
    "WebDistributionId",
)
# Types the browser must get exactly (a module served as text/plain does not run); the rest: mimetypes.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}


class PublishError(Exception):
    """Something the operator must fix before the page can be published (message says what)."""


@dataclass(frozen=True)
class Published:
    uploaded: list[str]
    deleted: list[str]
    invalidation_id: str


def config_from_outputs(outputs: Mapping[str, str], region: str) -> dict[str, str]:
    """The page's config.json (web/js/config.js reads it) from the stack outputs."""
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
    if missing:
        raise PublishError(f"the stack has no output {', '.join(missing)}: deploy the current template.yaml")
    return {
        "apiBase": "/v1",  # the API is on the page's own origin (CloudFront's /v1/* behaviour)
        "region": region,
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
        "userPoolId": outputs["UserPoolId"],
        "userPoolClientId": outputs["UserPoolClientId"],
        "stripeJsUrl": STRIPE_JS_URL,
        "stripePublishableKey": outputs["StripePublishableKey"],
    }


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    return NO_CACHE if key in ENTRY_POINTS else SHORT_CACHE


def site_files(web_dir: Path) -> dict[str, Path]:
    """S3 key -> file, for every file of web/ but hidden ones and a local config.json (we write our own)."""
    if not (web_dir / "index.html").is_file():
        raise PublishError(f"{web_dir} has no index.html")
    files = {}
    for path in sorted(web_dir.rglob("*")):
        key = path.relative_to(web_dir).as_posix()
        if path.is_file() and key != CONFIG_KEY and not any(p.startswith(".") for p in key.split("/")):
            files[key] = path
    return files


def upload_order(keys: Iterable[str]) -> list[str]:
    """Assets first, the entry points last."""
    return sorted(keys, key=lambda k: (k in ENTRY_POINTS, k == "index.html", k))


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    try:
        (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        raise PublishError(f"cannot read stack {stack!r}: {error}") from error
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish(s3: Any, cloudfront: Any, outputs: Mapping[str, str], region: str, web_dir: Path) -> Published:
    """Upload web/ and config.json to the stack's bucket, delete stale objects, invalidate the cache."""
    config = config_from_outputs(outputs, region)
    bucket = outputs["WebBucketName"]
    files = site_files(web_dir)
    bodies: dict[str, bytes] = {key: path.read_bytes() for key, path in files.items()}
    bodies[CONFIG_KEY] = (json.dumps(config, indent=2) + "\n").encode()
    for key in upload_order(bodies):
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=bodies[key],
            ContentType=content_type(key),
            CacheControl=cache_control(key),
            ContentMD5=_md5(bodies[key]),
        )
    stale = [key for key in _existing_keys(s3, bucket) if key not in bodies]
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = stale[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
    invalidation = cloudfront.create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},  # one path for billing, however many files
            "CallerReference": f"publish-web-{time.time_ns()}",
        },
    )
    return Published(upload_order(bodies), stale, invalidation["Invalidation"]["Id"])


def _existing_keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _md5(body: bytes) -> str:
    """Content-MD5: S3 rejects an upload that arrived damaged."""
    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - an integrity check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stack", required=True, help="the CloudFormation stack deployed from template.yaml")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    parser.add_argument("--web-dir", type=Path, default=WEB_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name
    if not region:
        parser.error("no region: pass --region or set AWS_REGION")
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack)
        result = publish(session.client("s3"), session.client("cloudfront"), outputs, region, args.web_dir)
    except (PublishError, ClientError, BotoCoreError) as error:
        print(f"publish-web: {error}", file=sys.stderr)
        return 1
    print(f"uploaded {len(result.uploaded)} files, deleted {len(result.deleted)} stale ones")
    print(f"invalidation {result.invalidation_id}; the page: {outputs.get('WebUrl', '(no WebUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
