"""GET /videos?limit=&status=&last_key=: the caller's videos, newest first, paged."""

from __future__ import annotations

from typing import Any

from shared import videos
from shared.api import Event, Response, api_handler, query_params, success_response
from shared.auth import extract_user_id_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    user_id = extract_user_id_from_event(event)
    params = query_params(event)
    limit = videos.parse_limit(params.get("limit"))
    page = videos.list_for_user(user_id, limit, params.get("status") or None, params.get("last_key") or None)
    return success_response(page)
