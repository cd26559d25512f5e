"""template.yaml's web hosting (private bucket, CloudFront, the API under /v1/*) and API Gateway's own errors.

Each test reads template.yaml itself; cfn-lint (test_template.py) checks the syntax, these the promises.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ytsb_local.csp import PERMISSIONS_POLICY, REFERRER_POLICY, csp_directives, parse_policy
from ytsb_local.template import load_template, resources_of_type

# AWS-managed CloudFront policies (ids from the CloudFront developer guide).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# The production config.json, as scripts/publish_web.py writes it, with the region left to CloudFormation.
PRODUCTION_CONFIG = {
    "apiBase": "/v1",
    "region": "${AWS::Region}",
    "cognitoEndpoint": "https://cognito-idp.${AWS::Region}.amazonaws.com/",
    "stripeJsUrl": "https://js.stripe.com/v3/",
}
# API Gateway's response types (AWS::ApiGateway::GatewayResponse ResponseType).
GATEWAY_RESPONSE_TYPES = {
    "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
    "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND",
    "THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
}  # fmt: skip


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template()["Resources"]


def _one(resources: dict[str, Any], type_name: str) -> dict[str, Any]:
    (spec,) = resources_of_type({"Resources": resources}, type_name).values()
    return spec["Properties"]


def _distribution(resources: dict[str, Any]) -> dict[str, Any]:
    return _one(resources, "AWS::CloudFront::Distribution")["DistributionConfig"]


def _origin(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    return next(o for o in config["Origins"] if o["Id"] == origin_id)


def test_given_the_web_bucket_then_it_is_private_encrypted_and_owner_enforced(resources: dict) -> None:
    config = _distribution(resources)
    bucket = _origin(config, config["DefaultCacheBehavior"]["TargetOriginId"])["DomainName"]["Fn::GetAtt"][0]
    props = resources[bucket]["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in props  # served through CloudFront only, never as a website


def test_given_the_bucket_policy_then_only_this_distribution_may_read(resources: dict) -> None:
    policies = [
        p["Properties"]
        for p in resources_of_type({"Resources": resources}, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "WebBucket"}
    ]
    (policy,) = policies
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "AllowOnlyThisDistribution",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                        "${WebDistribution}"
                    }
                }
            },
        }
    ]
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_given_the_distribution_then_the_page_uses_oac_https_http3_and_compression(resources: dict) -> None:
    config = _distribution(resources)
    web = _origin(config, "web")
    assert web["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac_id = web["OriginAccessControlId"]["Fn::GetAtt"]
    assert oac_id[1] == "Id"
    oac = resources[oac_id[0]]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    assert config["DefaultRootObject"] == "index.html"
    assert config["HttpVersion"] == "http2and3"
    assert "CustomErrorResponses" not in config  # they would rewrite the API's own errors under /v1/*
    page = config["DefaultCacheBehavior"]
    assert page["ViewerProtocolPolicy"] == "redirect-to-https"
    assert page["Compress"] is True
    assert page["CachePolicyId"] == CACHING_OPTIMIZED
    assert page["AllowedMethods"] == ["GET", "HEAD"]


def test_given_the_price_class_then_it_is_a_parameter_with_the_cheapest_default(resources: dict) -> None:
    template = load_template()
    assert _distribution(resources)["PriceClass"] == {"Ref": "WebPriceClass"}
    assert template["Parameters"]["WebPriceClass"]["Default"] == "PriceClass_100"


def test_given_v1_then_the_api_is_the_same_origin_uncached_with_authorization_forwarded(
    resources: dict,
) -> None:
    config = _distribution(resources)
    (api_behaviour,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    origin = _origin(config, api_behaviour["TargetOriginId"])
    assert origin["DomainName"] == {"Fn::Sub": "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api_behaviour["ViewerProtocolPolicy"] == "https-only"
    assert set(api_behaviour["AllowedMethods"]) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    }
    assert api_behaviour["CachePolicyId"] == CACHING_DISABLED
    assert api_behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert "ResponseHeadersPolicyId" not in api_behaviour  # the API's answers keep their own headers
    # the stage is v1, so /v1/<route> needs no origin path
    assert _one(resources, "AWS::Serverless::Api")["StageName"] == "v1"
    assert "OriginPath" not in origin


def _page_headers_policy(resources: dict) -> dict[str, Any]:
    ref = _distribution(resources)["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]
    return resources[ref]["Properties"]["ResponseHeadersPolicyConfig"]


def test_given_the_page_then_its_csp_is_the_one_ytsb_local_builds_directive_by_directive(
    resources: dict,
) -> None:
    # Given the CSP CloudFront adds to the page
    csp = _page_headers_policy(resources)["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    in_template = parse_policy(csp["ContentSecurityPolicy"]["Fn::Sub"])
    # Then it is ytsb_local.csp's policy for the production config.json, directive by directive
    expected = csp_directives(PRODUCTION_CONFIG)
    assert sorted(in_template) == sorted(expected)
    for directive, sources in expected.items():
        assert in_template[directive] == sources, directive
    assert in_template["connect-src"][1] == "https://cognito-idp.${AWS::Region}.amazonaws.com"


def test_given_the_page_then_hsts_nosniff_referrer_and_permissions_policy_are_set(resources: dict) -> None:
    policy = _page_headers_policy(resources)
    security = policy["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000  # a year at least
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == REFERRER_POLICY
    custom = {h["Header"]: h["Value"] for h in policy["CustomHeadersConfig"]["Items"]}
    assert custom == {"Permissions-Policy": PERMISSIONS_POLICY}


def test_given_the_outputs_and_parameters_then_deployment_can_write_config_json() -> None:
    template = load_template()
    outputs = template["Outputs"]
    assert outputs["WebUrl"]["Value"] == {"Fn::Sub": "https://${WebDistribution.DomainName}/"}
    assert outputs["WebBucketName"]["Value"] == {"Ref": "WebBucket"}
    assert outputs["WebDistributionId"]["Value"] == {"Ref": "WebDistribution"}
    assert {"UserPoolId", "UserPoolClientId", "StripePublishableKey"} <= set(outputs)
    parameter = template["Parameters"]["StripePublishableKey"]
    assert "NoEcho" not in parameter and "Default" not in parameter  # a public value, and required
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("pk_test_51AbCdEf") and pattern.fullmatch("pk_live_9z")
    for wrong in ("sk_live_123", "rk_live_1", "pk_test_", "pk_test_x y", ""):
        assert not pattern.fullmatch(wrong), wrong


def _gateway_responses() -> dict[str, Any]:
    return _one(load_template()["Resources"], "AWS::Serverless::Api")["GatewayResponses"]


def test_given_api_gateways_own_errors_then_each_body_is_the_apis_error_shape_with_cors() -> None:
    responses = _gateway_responses()
    cors_origin = _one(load_template()["Resources"], "AWS::Serverless::Api")["Cors"]["AllowOrigin"]
    assert set(responses) <= GATEWAY_RESPONSE_TYPES
    for kind, response in responses.items():
        assert set(response["ResponseTemplates"]) == {"application/json"}, kind
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body) == {"error", "details"} and body["details"] == {}, kind
        assert isinstance(body["error"], str) and body["error"], kind
        assert response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"] == cors_origin, kind


def test_given_the_answers_a_client_meets_then_each_has_a_gateway_response_and_its_status() -> None:
    responses = _gateway_responses()
    expected_status = {
        "UNAUTHORIZED": "401", "ACCESS_DENIED": "403", "MISSING_AUTHENTICATION_TOKEN": "404",
        "RESOURCE_NOT_FOUND": "404", "THROTTLED": "429", "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413",
        "UNSUPPORTED_MEDIA_TYPE": "415", "INTEGRATION_TIMEOUT": "504", "INTEGRATION_FAILURE": "502",
    }  # fmt: skip
    for kind, status in expected_status.items():
        assert responses[kind]["StatusCode"] == status, kind
    # the catch-alls keep API Gateway's own status
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert "StatusCode" not in responses[kind]
    assert responses["THROTTLED"]["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"
