"""The sweep: settle videos whose message was lost, so no credit stays held by a video nobody will process.

A message can be lost between submit's spend and its SQS send (the function crashed, or the send and
every refund attempt failed), or end in the DLQ after its last receive could not record a result.
Either way the video sits ``queued``, or ``processing`` under an expired lease. process_video runs
this on a schedule: such a video, untouched for ``SWEEP_AFTER`` seconds, gets its message sent again
(harmless if the old one still exists: the claim is conditional), and after ``MAX_SWEEPS`` sends
that did not get it processed it is marked failed and refunded. Each step is conditional on the
video's ``updated_at`` being what the sweep read, so a worker that claims it meanwhile wins.
SWEEP_AFTER is longer than the queue's visibility timeout: a video released for a retry is waiting
for its own message's redelivery, and is not swept before that had its chance.
"""

from __future__ import annotations

from typing import Any

from shared.config import get_settings
from shared.dal import dynamo
from shared.dal.dynamo import ConditionFailed
from shared.dal.sqs import send_sqs_message
from shared.ids import iso_at, now_epoch, now_iso
from shared.log import logger
from shared.videos import MESSAGE_FIELDS, refund_video

STATUS_INDEX = "status-index"
GAVE_UP = "We could not process this video; your credit was refunded. Please try again later."


def stale_videos() -> list[dict[str, Any]]:
    """Videos ``queued``, or ``processing`` with an expired lease, untouched for SWEEP_AFTER seconds."""
    settings, now = get_settings(), now_epoch()
    found: list[dict[str, Any]] = []
    for status in ("queued", "processing"):
        start: dict[str, Any] | None = None
        while True:
            items, start = dynamo.query(
                settings.videos_table,
                "#s = :s AND updated_at < :before",
                {":s": status, ":before": iso_at(now - settings.sweep_after)},
                names={"#s": "status"},
                index=STATUS_INDEX,
                start_key=start,
            )
            found += [v for v in items if status == "queued" or int(v.get("lease_until", 0)) < now]
            if start is None:
                break
    return found


def sweep() -> dict[str, int]:
    """One pass over the stale videos: how many were re-sent, refunded, changed meanwhile, or failed.

    A video whose settling fails (DynamoDB or SQS unavailable) is left for the next pass; the others
    are still settled.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    counts = {"resent": 0, "refunded": 0, "skipped": 0, "failed": 0}
    for video in stale_videos():
        try:
            counts[settle(video)] += 1
        except (BotoCoreError, ClientError):
            logger.exception("sweep could not settle a video", extra={"video_id": video["video_id"]})
            counts["failed"] += 1
    if any(counts.values()):
        logger.warning("sweep settled stale videos", extra=counts)
    return counts


def settle(video: dict[str, Any]) -> str:
    """Re-send one stale video's message, or refund it after MAX_SWEEPS; "skipped" if it changed meanwhile."""
    video_id, seen = video["video_id"], video["updated_at"]
    if int(video.get("sweeps", 0)) >= get_settings().max_sweeps:
        refunded = refund_video(
            video["user_id"], video_id, GAVE_UP, unchanged_since=seen, retries=int(video.get("retries", 0))
        )
        return "refunded" if refunded else "skipped"
    try:  # count the attempt first: if the send then fails, the next sweep simply tries again
        dynamo.update_item(
            get_settings().videos_table,
            {"video_id": video_id},
            "SET sweeps = if_not_exists(sweeps, :zero) + :one, updated_at = :now",
            "updated_at = :seen",
            return_values="NONE",
            values={":zero": 0, ":one": 1, ":now": now_iso(), ":seen": seen},
        )
    except ConditionFailed:
        return "skipped"
    send_sqs_message(get_settings().video_queue_url, {key: video[key] for key in MESSAGE_FIELDS})
    logger.info("stale video re-sent", extra={"video_id": video_id, "status": video["status"]})
    return "resent"
