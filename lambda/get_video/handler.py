"""GET /videos/{video_id}: the caller's video and its progress (404 if missing or not theirs)."""

from __future__ import annotations

from typing import Any

from shared import videos
from shared.api import Event, Response, api_handler, path_param, success_response
from shared.auth import extract_user_id_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    user_id = extract_user_id_from_event(event)
    video = videos.get_owned(user_id, path_param(event, "video_id"))
    return success_response(videos.public_view(video))
