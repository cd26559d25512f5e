"""Spending a credit on a video, routed on method + resource path:

- ``POST /videos`` ``{"url", "transcript"?}``: record the video and queue it (201);
- ``POST /videos/{video_id}/retry``: queue a failed video of the caller again (200; 409 if not failed).

Anything else routed here is a 405.
"""

from __future__ import annotations

from typing import Any

from shared import video_actions, videos
from shared.api import (
    Event,
    Response,
    api_handler,
    json_body,
    method_not_allowed,
    path_param,
    route,
    success_response,
    validate_required_fields,
)
from shared.auth import caller_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    caller = caller_from_event(event)
    user_id = caller.user_id
    method, path = route(event)
    if (method, path) == ("POST", "/videos/{video_id}/retry"):
        return success_response(video_actions.retry(user_id, path_param(event, "video_id")))
    if (method, path) != ("POST", "/videos"):
        raise method_not_allowed(["POST /videos", "POST /videos/{video_id}/retry"])
    body = json_body(event)
    validate_required_fields(body, ["url"])
    result = videos.submit(user_id, body["url"], body.get("transcript"), caller.verified_email)
    logger.info("video submitted", extra={"video_id": result["video_id"]})
    return success_response(result, 201)
