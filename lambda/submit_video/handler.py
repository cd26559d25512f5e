"""POST /videos: spend one credit, record the video and queue it (201)."""

from __future__ import annotations

from typing import Any

from shared import videos
from shared.api import Event, Response, api_handler, json_body, success_response, validate_required_fields
from shared.auth import extract_user_id_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    user_id = extract_user_id_from_event(event)
    body = json_body(event)
    validate_required_fields(body, ["url"])
    result = videos.submit(user_id, body["url"])
    logger.info("video submitted", extra={"video_id": result["video_id"]})
    return success_response(result, 201)
