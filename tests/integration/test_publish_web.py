"""scripts/publish_web.py against moto: stack outputs -> config.json, uploads, stale objects, invalidation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.publish_web import (
    NO_CACHE,
    SHORT_CACHE,
    PublishError,
    config_from_outputs,
    content_type,
    main,
    upload_order,
)
from ytsb_local.csp import content_security_policy, parse_policy
from ytsb_local.template import load_template

OUTPUTS = {
    "UserPoolId": "eu-west-1_Pool1",
    "UserPoolClientId": "client1",
    "StripePublishableKey": "pk_test_51Publishable",
    "WebBucketName": "ytsb-web-test",
    "WebDistributionId": "E123",
}


def _objects(stack: Any) -> dict[str, dict]:
    s3 = boto3.client("s3", region_name=stack.region)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=stack.bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=stack.bucket, Key=key) for key in keys}


def test_given_stack_outputs_then_config_json_has_every_field_the_page_reads() -> None:
    config = config_from_outputs(OUTPUTS, "eu-west-1")
    assert config == {
        "apiBase": "/v1",
        "region": "eu-west-1",
        "cognitoEndpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
        "userPoolId": "eu-west-1_Pool1",
        "userPoolClientId": "client1",
        "stripeJsUrl": "https://js.stripe.com/v3/",
        "stripePublishableKey": "pk_test_51Publishable",
    }


def test_given_the_published_config_then_cloudfronts_csp_allows_exactly_what_it_names() -> None:
    # Given the config.json deployment writes, and the template's CSP resolved for the same region
    config = config_from_outputs(OUTPUTS, "eu-west-1")
    policy = load_template()["Resources"]["WebResponseHeadersPolicy"]["Properties"]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    in_template = csp["ContentSecurityPolicy"]["Fn::Sub"].replace("${AWS::Region}", "eu-west-1")
    # Then the page's own settings produce the same policy (its Cognito and Stripe.js origins are allowed)
    assert parse_policy(in_template) == parse_policy(content_security_policy(config))


@pytest.mark.parametrize("missing", ["UserPoolClientId", "StripePublishableKey", "WebDistributionId"])
def test_given_an_older_stack_without_an_output_then_publishing_says_which(missing: str) -> None:
    outputs = {k: v for k, v in OUTPUTS.items() if k != missing}
    with pytest.raises(PublishError, match=missing):
        config_from_outputs(outputs, "eu-west-1")


def test_given_files_then_types_are_what_browsers_need_and_entry_points_go_last() -> None:
    assert content_type("js/app.js") == "text/javascript; charset=utf-8"  # modules refuse text/plain
    assert content_type("styles.css") == "text/css; charset=utf-8"
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("favicon.svg") == "image/svg+xml"
    assert content_type("img/logo.png") == "image/png"
    assert content_type("notes.unknownext") == "application/octet-stream"
    order = upload_order(["index.html", "config.json", "styles.css", "js/app.js"])
    assert order[-2:] == ["config.json", "index.html"]


def test_given_a_stack_when_published_then_every_file_is_uploaded_with_type_and_cache_control(
    web_stack: Any, web_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the throwaway web/ is published to the stack (its region given on the command line)
    assert main(["--stack", web_stack.name, "--region", web_stack.region, "--web-dir", str(web_dir)]) == 0

    # Then each file is there with its type and caching; hidden files and the local config.json are not
    objects = _objects(web_stack)
    assert set(objects) == {
        "index.html",
        "config.json",
        "js/app.js",
        "js/api.js",
        "styles.css",
        "favicon.svg",
    }
    assert objects["index.html"]["CacheControl"] == NO_CACHE
    assert objects["config.json"]["CacheControl"] == NO_CACHE
    assert objects["js/app.js"]["CacheControl"] == SHORT_CACHE
    assert objects["js/app.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert objects["styles.css"]["ContentType"] == "text/css; charset=utf-8"
    assert objects["index.html"]["Body"].read() == (web_dir / "index.html").read_bytes()
    # And config.json comes from the stack's outputs, for the stack's region
    config = json.loads(objects["config.json"]["Body"].read())
    assert config["region"] == "eu-west-1" and config["userPoolClientId"] == "client1"
    assert config["apiBase"] == "/v1" and config["stripePublishableKey"] == "pk_test_51Publishable"
    assert objects["config.json"]["ContentType"] == "application/json; charset=utf-8"
    # And the whole distribution was invalidated once
    cloudfront = boto3.client("cloudfront", region_name=web_stack.region)
    invalidations = cloudfront.list_invalidations(DistributionId=web_stack.distribution_id)
    (invalidation,) = invalidations["InvalidationList"]["Items"]
    details = cloudfront.get_invalidation(DistributionId=web_stack.distribution_id, Id=invalidation["Id"])
    assert details["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    assert "uploaded 6 files, deleted 0" in capsys.readouterr().out


def test_given_files_removed_from_web_when_published_again_then_their_objects_are_deleted(
    web_stack: Any, web_dir: Path
) -> None:
    # Given a first publish, then a module renamed and the icon removed
    argv = ["--stack", web_stack.name, "--region", web_stack.region, "--web-dir", str(web_dir)]
    assert main(argv) == 0
    (web_dir / "js" / "api.js").rename(web_dir / "js" / "client.js")
    (web_dir / "favicon.svg").unlink()

    # When published again
    assert main(argv) == 0

    # Then the bucket holds exactly the current files (and config.json)
    assert set(_objects(web_stack)) == {
        "index.html",
        "config.json",
        "js/app.js",
        "js/client.js",
        "styles.css",
    }


def test_given_an_unknown_stack_then_it_fails_with_a_message_and_uploads_nothing(
    web_stack: Any, web_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--stack", "no-such-stack", "--region", web_stack.region, "--web-dir", str(web_dir)]) == 1
    assert "cannot read stack 'no-such-stack'" in capsys.readouterr().err
    assert _objects(web_stack) == {}


def test_given_a_folder_without_index_html_then_nothing_is_published(
    web_stack: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    argv = ["--stack", web_stack.name, "--region", web_stack.region, "--web-dir", str(tmp_path / "empty")]
    assert main(argv) == 1
    assert "has no index.html" in capsys.readouterr().err
    assert _objects(web_stack) == {}
