"""The caller's video, routed on method + resource path:

- ``GET /videos/{video_id}``: the video and its progress;
- ``DELETE /videos/{video_id}``: delete a finished video, its note and its uploaded transcript (409
  while it is queued or processing; the credit is not returned).

404 if the video is missing or not the caller's (the same answer); anything else routed here is a 405.
"""

from __future__ import annotations

from typing import Any

from shared import video_actions, videos
from shared.api import Event, Response, api_handler, method_not_allowed, path_param, route, success_response
from shared.auth import extract_user_id_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    user_id = extract_user_id_from_event(event)
    method, path = route(event)
    video_id = path_param(event, "video_id")
    if (method, path) == ("DELETE", "/videos/{video_id}"):
        return success_response(video_actions.delete(user_id, video_id))
    if (method, path) != ("GET", "/videos/{video_id}"):
        raise method_not_allowed(["GET /videos/{video_id}", "DELETE /videos/{video_id}"])
    return success_response(videos.public_view(videos.get_owned(user_id, video_id)))
