"""GET /notes/{note_id}?include_content=true&format=html: the caller's note, its markdown or HTML if asked."""

from __future__ import annotations

from typing import Any

from shared import notes
from shared.api import Event, Response, api_handler, path_param, query_bool, query_params, success_response
from shared.auth import extract_user_id_from_event
from shared.log import logger


@logger.inject_lambda_context(clear_state=True)
@api_handler
def lambda_handler(event: Event, context: Any) -> Response:
    user_id = extract_user_id_from_event(event)
    include_content = query_bool(event, "include_content")
    fmt = notes.parse_format(query_params(event).get("format"))
    return success_response(notes.get_owned(user_id, path_param(event, "note_id"), include_content, fmt))
