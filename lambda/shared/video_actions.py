"""What the owner may do to a finished video: try a failed one again, or delete it.

Both race the worker and each other, so each write is conditional on the state that was read:
- retry is one transaction (spend a credit + ``failed -> queued``), conditional on the video still
  being ``failed``, at the attempt that was read, and not being deleted: two retries at once spend once;
- delete first flags the video (conditional on it being ``completed`` or ``failed``), which a retry
  refuses, then removes the S3 objects, then the note and video rows in one transaction. The video row
  goes last, so a failure at any step leaves a flagged video that a repeated DELETE finishes.
"""

from __future__ import annotations

from typing import Any

from shared import ledger, metrics, notes
from shared.config import get_settings
from shared.dal import dynamo
from shared.dal.dynamo import ConditionFailed, TransactionCancelled
from shared.dal.s3 import delete_from_s3
from shared.errors import Conflict, DependencyUnavailable, NotFound
from shared.ids import note_id_for, now_iso
from shared.log import logger
from shared.videos import (
    attempt_condition,
    compensate,
    get_owned,
    queued_answer,
    send_or_refund,
    spend_on_video,
)

FINISHED = ("completed", "failed")
_NAMES = {"#s": "status"}


def retry(user_id: str, video_id: str) -> dict[str, Any]:
    """Queue the caller's failed video again for one credit (its failure was refunded); 409 otherwise."""
    video = get_owned(user_id, video_id)
    _check_retryable(video)
    seen = int(video.get("retries", 0))
    retries = seen + 1
    update = dynamo.update_op(
        get_settings().videos_table,
        {"video_id": video_id},
        "SET #s = :queued, retries = :n, progress = :zero, status_message = :msg, updated_at = :now, "
        "attempts = :zero, sweeps = :zero REMOVE refunded, #e, error_code, lease_until, completed_at",
        f"#s = :failed AND attribute_not_exists(deleting) AND {attempt_condition(seen)}",
        {**_NAMES, "#e": "error"},
        {
            ":queued": "queued",
            ":failed": "failed",
            ":n": retries,
            ":r": seen,
            ":zero": 0,
            ":msg": "Queued for processing",
            ":now": now_iso(),
        },
    )
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        spend_id = ledger.attempt_id("spend", video_id, retries)
        spend_on_video(user_id, spend_id, video_id, [("Update", update)])
    except TransactionCancelled:  # the video changed since it was read: another retry, or a delete
        current = get_owned(user_id, video_id)
        _check_retryable(current)
        raise Conflict("This video was retried by another request", {"status": current["status"]}) from None
    except (BotoCoreError, ClientError):
        logger.exception("retry spend failed; compensating", extra={"video_id": video_id})
        compensate(user_id, video_id, retries)  # a no-op unless the retry committed
        raise DependencyUnavailable() from None
    send_or_refund(video, retries)
    metrics.record(metrics.CREDITS_SPENT)
    logger.info("video retried", extra={"video_id": video_id, "retries": retries})
    return queued_answer(video, "Video queued for another attempt")


def _check_retryable(video: dict[str, Any]) -> None:
    if video.get("deleting"):
        raise Conflict("This video is being deleted", {"status": video["status"]})
    if video["status"] != "failed":
        raise Conflict("Only a failed video can be retried", {"status": video["status"]})


def delete(user_id: str, video_id: str) -> dict[str, Any]:
    """Delete the caller's finished video, its note and its uploaded transcript; the credit stays spent.

    Idempotent until it succeeds: a repeated DELETE of a flagged video carries on where one stopped.
    """
    video = get_owned(user_id, video_id)
    if not video.get("deleting"):
        _flag(user_id, video)
    bucket = get_settings().notes_bucket
    # The note's key whatever the status: a failed attempt may have written a note before it failed.
    for key in filter(None, (notes.s3_key(user_id, video_id), video.get("transcript_key"))):
        delete_from_s3(bucket, key)
    ops = [
        ("Delete", dynamo.delete_op(get_settings().notes_table, {"note_id": note_id_for(video_id)})),
        (
            "Delete",
            dynamo.delete_op(
                get_settings().videos_table, {"video_id": video_id}, "attribute_exists(deleting)"
            ),
        ),
    ]
    try:
        dynamo.transact_write(ops)
    except TransactionCancelled:
        logger.info("video already deleted by a concurrent request", extra={"video_id": video_id})
    logger.info("video deleted", extra={"video_id": video_id})
    return {"video_id": video_id, "deleted": True}


def _flag(user_id: str, video: dict[str, Any]) -> None:
    """``deleting`` set, only on a finished video of the caller; 409 if it is queued or processing."""
    if video["status"] not in FINISHED:
        raise _still_running(video["status"])
    try:
        dynamo.update_item(
            get_settings().videos_table,
            {"video_id": video["video_id"]},
            "SET deleting = :now",
            "user_id = :u AND (#s = :completed OR #s = :failed)",
            return_values="NONE",
            names=_NAMES,
            values={":now": now_iso(), ":u": user_id, ":completed": "completed", ":failed": "failed"},
        )
    except ConditionFailed as exc:  # a retry queued it meanwhile, or it is gone
        current = exc.item
        if current is None or current.get("user_id") != user_id:
            raise NotFound("Video not found") from None
        raise _still_running(str(current.get("status"))) from None


def _still_running(status: str) -> Conflict:
    return Conflict("This video is still being processed; delete it once it has finished", {"status": status})
