"""Videos: submit (spend + record + queue), refund, read, and list a user's videos newest first.

Retry and delete are in ``shared.video_actions``. A video is tried once per submit and once per retry;
``retries`` counts the retries, and each attempt has its own ledger keys (``ledger.attempt_id``).
"""

from __future__ import annotations

import re
import time
from typing import Any

from shared import ledger, metrics, transcript_upload
from shared.config import get_settings
from shared.dal import dynamo
from shared.dal.dynamo import Op
from shared.dal.sqs import send_sqs_message
from shared.errors import BadRequest, DependencyUnavailable, InsufficientCredits, NotFound, TooManyRequests
from shared.ids import VIDEO_ID_PATTERN, new_video_id, now_iso
from shared.log import logger
from shared.pagination import decode_last_key, encode_last_key
from yt_study_buddy.urls import InvalidYouTubeURL, extract_video_id, watch_url

STATUSES = ("queued", "processing", "completed", "failed")
PUBLIC_FIELDS = (
    "video_id",
    "youtube_video_id",
    "url",
    "status",
    "progress",
    "status_message",
    "title",
    "note_id",
    "error",
    "error_code",
    "created_at",
    "updated_at",
    "completed_at",
)
# Computed by public_view rather than stored: whether the user uploaded the transcript.
DERIVED_FIELDS = ("has_transcript",)
# A failed video's error_code: why, for the page (it offers to upload captions for the first two).
ERROR_CODES = ("youtube_blocked", "no_transcript", "timeout", "failed")
MESSAGE_FIELDS = ("video_id", "youtube_video_id", "url", "user_id")  # the SQS message, exactly
QUEUE_FAILED = "We could not queue this video; your credit was refunded. Please try again."
COMPENSATION_ATTEMPTS = 3
OPEN_STATUSES = ("queued", "processing")
QUEUE_FULL_RETRY_AFTER = 60  # seconds: about how long a video takes to process


def spend_on_video(user_id: str, spend_id: str, video_id: str, ops: list[Op], **kwargs: Any) -> None:
    """``ledger.spend`` of one credit, also counting one more open video (at most MAX_OPEN_VIDEOS).

    The ``open_videos`` counter on the user row only goes up here (nothing counts videos down as they
    finish); at the cap it is recounted from the videos table once (conditional on it being unchanged)
    and the spend tried again, so a full queue is a 429 and never more than the cap at once.
    """
    cap = get_settings().max_open_videos
    for attempt in range(2):
        try:
            ledger.spend(user_id, 1, spend_id, video_id, ops, open_cap=cap, **kwargs)
            return
        except ledger.QueueFull as full:
            actual = count_open(user_id)
            if attempt == 0 and actual < cap:
                ledger.set_open_videos(user_id, full.seen, actual)
                continue
            message = "Too many videos in progress; wait for one to finish"
            raise TooManyRequests(message, QUEUE_FULL_RETRY_AFTER, {"limit": cap}) from None


def count_open(user_id: str) -> int:
    """The user's videos queued or processing now, from the GSI user-index (every page)."""
    found, start = 0, None
    while True:
        items, start = dynamo.query(
            get_settings().videos_table,
            "user_id = :u",
            {":u": user_id, ":q": "queued", ":p": "processing"},
            names={"#s": "status"},
            index="user-index",
            filter_expression="#s IN (:q, :p)",
            start_key=start,
        )
        found += len(items)
        if start is None:
            return found


def validate_youtube_url(url: str) -> str:
    """The 11-character YouTube id of ``url`` or 400 (one implementation: yt_study_buddy.urls)."""
    try:
        return extract_video_id(url)
    except InvalidYouTubeURL as exc:
        raise BadRequest("Invalid YouTube URL", {"url": str(exc)}) from None


def public_view(video: dict[str, Any]) -> dict[str, Any]:
    view = {key: video[key] for key in PUBLIC_FIELDS if video.get(key) is not None}
    if video.get("status") == "failed":
        view.setdefault("error_code", "failed")  # videos that failed before error codes existed
    if video.get("transcript_key"):
        view["has_transcript"] = True
    return view


def attempt_condition(retries: int) -> str:
    """``retries = :r``: the video is still at the attempt that was read (records from before retries
    existed have no counter, which is attempt 0)."""
    return "retries = :r" if retries else "(attribute_not_exists(retries) OR retries = :r)"


def submit(
    user_id: str, url: Any, transcript: Any = None, verified_email: str | None = None
) -> dict[str, Any]:
    """Warm path: one transaction (spend + video + ledger) and one SQS send.

    ``verified_email``: the caller's, for the free tier if this first request creates the user.

    An uploaded ``transcript`` is stored first: if that fails, nothing was spent (503).
    """
    if not isinstance(url, str):
        raise BadRequest("Invalid YouTube URL", {"url": "The URL must be a string."})
    youtube_id = validate_youtube_url(url)
    upload = transcript_upload.parse(transcript)
    settings = get_settings()
    video_id, now = new_video_id(), now_iso()
    video = {
        "video_id": video_id,
        "user_id": user_id,
        "youtube_video_id": youtube_id,
        "url": watch_url(youtube_id),
        "status": "queued",
        "progress": 0,
        "status_message": "Queued for processing",
        "created_at": now,
        "updated_at": now,
        "attempts": 0,
        "retries": 0,
    }
    if upload is not None:
        video["transcript_key"] = transcript_upload.store(user_id, video_id, upload)
    put_video = ("Put", dynamo.put_op(settings.videos_table, video, "attribute_not_exists(video_id)"))
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        spend_id = ledger.attempt_id("spend", video_id, 0)
        spend_on_video(user_id, spend_id, video_id, [put_video], verified_email=verified_email)
    except (InsufficientCredits, TooManyRequests):
        if upload is not None:  # no video will ever point at it
            _discard_upload(video["transcript_key"])
        raise
    except (BotoCoreError, ClientError):
        # The transaction may have committed with its answer lost: undo it if so (a no-op if not).
        logger.exception("spend failed; compensating", extra={"video_id": video_id})
        compensate(user_id, video_id, 0)
        raise DependencyUnavailable() from None
    send_or_refund(video, 0)
    metrics.record(metrics.VIDEOS_SUBMITTED)
    metrics.record(metrics.CREDITS_SPENT)
    return queued_answer(video, "Video submitted for processing")


def queued_answer(video: dict[str, Any], message: str) -> dict[str, Any]:
    return {
        "video_id": video["video_id"],
        "youtube_video_id": video["youtube_video_id"],
        "status": "queued",
        "message": message,
    }


def send_or_refund(video: dict[str, Any], retries: int) -> None:
    """Queue the video's message; if SQS fails, refund attempt ``retries`` (the video is failed) and 503."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        send_sqs_message(get_settings().video_queue_url, {key: video[key] for key in MESSAGE_FIELDS})
    except (BotoCoreError, ClientError):
        logger.exception("queue send failed; refunding", extra={"video_id": video["video_id"]})
        compensate(video["user_id"], video["video_id"], retries)
        raise DependencyUnavailable() from None


def _discard_upload(key: str) -> None:
    """Best effort: a leftover costs storage, not money or correctness."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        transcript_upload.remove(key)
    except (BotoCoreError, ClientError):
        logger.exception("could not delete an unused transcript upload", extra={"key": key})


def compensate(user_id: str, video_id: str, retries: int, attempts: int = COMPENSATION_ATTEMPTS) -> None:
    """Refund a video that will not be queued; retried, because a failure here holds a credit.

    If every attempt fails, the video stays ``queued`` with its credit spent and no message: that is
    logged at ERROR with the video id, and the sweep (``shared.sweep``) settles it later.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    extra = {"video_id": video_id}
    for attempt in range(attempts):
        try:
            refund_video(user_id, video_id, QUEUE_FAILED, retries=retries)
            return
        except (BotoCoreError, ClientError):
            if attempt + 1 == attempts:
                logger.exception("compensation failed: credit held by an unqueued video", extra=extra)
                return
            time.sleep(0.1 * (attempt + 1))


def refund_video(
    user_id: str,
    video_id: str,
    error: str,
    unchanged_since: str | None = None,
    *,
    retries: int = 0,
    error_code: str = "failed",
) -> bool:
    """Mark the video failed with ``error`` and give attempt ``retries``'s credit back, in one
    transaction, once (ledger key ``refund_<video_id>[_r<n>]``).

    Never for a completed video (e.g. its completion was recorded but the answer was lost), and only
    while the video is still at attempt ``retries`` (a stale worker cannot refund a later attempt).
    With ``unchanged_since`` (an ``updated_at``), only if nobody touched the video since it was read.
    """
    condition = (
        "attribute_exists(video_id) AND attribute_not_exists(refunded) AND #s <> :completed AND "
        + attempt_condition(retries)
    )
    values = {
        ":failed": "failed",
        ":error": error,
        ":code": error_code,
        ":true": True,
        ":now": now_iso(),
        ":completed": "completed",
        ":r": retries,
    }
    if unchanged_since is not None:
        condition += " AND updated_at = :seen"
        values[":seen"] = unchanged_since
    update = dynamo.update_op(
        get_settings().videos_table,
        {"video_id": video_id},
        "SET #s = :failed, #e = :error, error_code = :code, refunded = :true, status_message = :error, "
        "updated_at = :now REMOVE lease_until",
        condition,
        {"#s": "status", "#e": "error"},
        values,
    )
    key = ledger.attempt_id("refund", video_id, retries)
    return ledger.refund(user_id, 1, video_id, [("Update", update)], transaction_id=key)


def get_owned(user_id: str, video_id: str) -> dict[str, Any]:
    """The caller's video, or 404 whether it is missing or someone else's (same answer)."""
    # An id that cannot exist is answered without a read (and cannot reach DynamoDB's key limits).
    if not VIDEO_ID_PATTERN.fullmatch(video_id or ""):
        raise NotFound("Video not found")
    video = dynamo.get_item(get_settings().videos_table, {"video_id": video_id})
    if video is None or video.get("user_id") != user_id:
        raise NotFound("Video not found")
    return video


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 20
    # Digits only: no surrounding whitespace (str.strip and int() disagree on what that is: "5\x1c").
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100:
        raise BadRequest("Invalid limit", {"limit": "must be an integer from 1 to 100"})
    return int(raw)


def list_for_user(user_id: str, limit: int, status: str | None, last_key: str | None) -> dict[str, Any]:
    """Newest first from the GSI user-index.

    Without ``status``: one Query with Limit=limit. With ``status``: DynamoDB applies Limit
    before the FilterExpression, so one query could return a short or empty page while more
    matches exist. We therefore query page after page (no Limit, up to 1 MB each) until we
    hold ``limit`` matches or the partition ends, and build ``last_key`` from the last item we
    return (not from DynamoDB's LastEvaluatedKey), so the next page starts right after it.
    """
    if status is not None and status not in STATUSES:
        raise BadRequest("Invalid status", {"status": f"must be one of {', '.join(STATUSES)}"})
    start = decode_last_key(last_key, user_id) if last_key else None
    params: dict[str, Any] = {"values": {":u": user_id}, "index": "user-index", "forward": False}
    if status:
        params.update(filter_expression="#s = :s", names={"#s": "status"})
        params["values"][":s"] = status
    table, found, more = get_settings().videos_table, [], True
    while more and len(found) < limit:
        items, evaluated = dynamo.query(
            table, "user_id = :u", start_key=start, limit=None if status else limit, **params
        )
        found.extend(items)
        start, more = evaluated, evaluated is not None
    page, more = found[:limit], more or len(found) > limit
    result: dict[str, Any] = {"videos": [public_view(video) for video in page], "count": len(page)}
    if more and page:
        last = page[-1]
        result["last_key"] = encode_last_key(user_id, last["video_id"], last["created_at"])
    return result
