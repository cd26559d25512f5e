"""The sweep, end to end: the local scheduler runs it from template.yaml's schedule, it re-sends
the message of a video whose message was lost, and the poller completes that video.

The lost message is made with submit's own code (``shared.videos.submit``) whose send "succeeds"
without reaching the queue, as when the function died between its transaction and its send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from shared import config, ledger, videos

from ytsb_local.child import child_env, child_stack
from ytsb_local.invariants import Tables, ledger_problems
from ytsb_local.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def sweeping_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A stack of its own whose sweep runs every second and finds videos untouched for a second."""
    with child_stack(child_env(tmp_path, {"YTSB_SCHEDULE_SECONDS": "1", "SWEEP_AFTER": "1"})) as child:
        yield child.info


@pytest.fixture
def backend_code(sweeping_stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The functions' own modules in this process, pointed at the stack's AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", sweeping_stack["aws_endpoint_url"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", sweeping_stack["region"])
    monkeypatch.setenv("VIDEO_QUEUE_URL", sweeping_stack["video_queue_url"])
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    config.reset()
    yield boto3.resource("dynamodb", endpoint_url=sweeping_stack["aws_endpoint_url"])
    config.reset()


def test_given_a_lost_message_then_the_scheduled_sweep_resends_it_and_the_video_completes(
    backend_code: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a submitted video (one credit spent) whose message never reached the queue
    monkeypatch.setattr(videos, "send_sqs_message", lambda url, body: "lost")
    url = "https://youtu.be/Xq3b7LmR9tA"
    video_id = videos.submit("sweep-user", url, verified_email="sweep-user@example.com")["video_id"]
    table = backend_code.Table(config.get_settings().videos_table)

    def video() -> dict[str, Any]:
        return table.get_item(Key={"video_id": video_id}, ConsistentRead=True)["Item"]

    # When the schedule ticks, then the video is re-sent once and completed by the poller
    wait_for(lambda: video()["status"] == "completed", 60)
    done = video()
    assert done["sweeps"] == 1 and done["attempts"] == 1
    assert ledger.get_user_credits("sweep-user") == config.get_settings().free_tier_credits - 1
    assert ledger_problems(backend_code, Tables(), settled=True) == []
