"""Realistic finished tasks for read benchmarks: an imagine grid with its buttons and media."""

from __future__ import annotations

import uuid

from mjproxy.domain.task import Button, Mode, Task, TaskAction, TaskStatus

FIRST_ID = 1_700_000_000_000_000
BASE_URL = "http://127.0.0.1:8080/mj/image"


def _buttons(job: str) -> list[Button]:
    picks = [Button(f"MJ::JOB::upsample::{n}::{job}", label=f"U{n}") for n in range(1, 5)]
    reroll = [Button(f"MJ::JOB::reroll::0::{job}::SOLO", emoji="🔄")]
    variations = [Button(f"MJ::JOB::variation::{n}::{job}", label=f"V{n}") for n in range(1, 5)]
    return picks + reroll + variations


def sample_task(number: int) -> Task:
    """The `number`-th stored task: SUCCESS, four quadrant URLs, nine buttons, properties."""
    task_id = str(FIRST_ID + number)
    job = str(uuid.UUID(int=number))
    token = f"{number:032x}"
    prompt = f"a lighthouse on a cliff at dusk, volumetric light, number {number} --ar 1:1"
    submitted = 1_765_000_000_000 + number * 1000
    return Task(
        id=task_id,
        action=TaskAction.IMAGINE,
        submit_time_ms=submitted,
        status=TaskStatus.SUCCESS,
        progress=100,
        prompt=prompt,
        prompt_en=prompt,
        description=f"/imagine {prompt}",
        mode=Mode.FAST,
        requested_modes=(Mode.FAST,),
        account_id="acct1",
        start_time_ms=submitted + 500,
        finish_time_ms=submitted + 30_000,
        image_url=f"{BASE_URL}/{token}/grid.png",
        image_urls=[f"{BASE_URL}/{token}/{n}.png" for n in range(4)],
        buttons=_buttons(job),
        final_prompt=f"{prompt} --v 7",
        message_id=str(1_300_000_000_000_000_000 + number),
        message_hash=job,
        message_flags=0,
        progress_message_id=str(1_300_000_000_000_500_000 + number),
        nonce=str(1_400_000_000_000_000_000 + number),
        seed=str(1000 + number),
        properties={
            "discordInstanceId": "acct1",
            "discordChannelId": "1118138338562560102",
            "cdnImageUrl": f"https://cdn.discordapp.com/attachments/1/2/user_{job}.png",
            "thumbnailUrl": f"{BASE_URL}/{token}/thumb.webp",
            "mediaStatus": "stored",
        },
        version=7,
    )
