"""Each submit endpoint hands its engine the right job: action, images, options."""

from __future__ import annotations

from mjproxy.domain.task import TaskAction, TaskStatus, TaskUpdate
from tests.harness import StartApp, account
from tests.images import data_uri, image_bytes

PNG, JPEG, WEBP, GIF = (data_uri(kind) for kind in ("PNG", "JPEG", "WEBP", "GIF"))


async def test_imagine_with_reference_images_in_every_accepted_format(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/imagine",
            {"prompt": "a cat", "base64Array": [PNG, JPEG, WEBP], "base64": GIF},
        )
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert [image.mime for image in job.images] == [
        "image/png", "image/jpeg", "image/webp", "image/gif"
    ]  # fmt: skip
    assert job.images[0].data == image_bytes("PNG")
    assert {image.role for image in job.images} == {"reference"}


async def test_bare_base64_without_a_data_uri_prefix_is_accepted(start_app: StartApp) -> None:
    async with start_app() as app:
        bare = PNG.split(",", 1)[1]
        await app.submit("/mj/submit/imagine", {"prompt": "a cat", "base64Array": [bare]})
        job = await app.engine.next_job()
    assert job.images[0].mime == "image/png"


async def test_the_real_image_type_wins_over_the_declared_one(start_app: StartApp) -> None:
    async with start_app() as app:
        lying = "data:image/png;base64," + JPEG.split(",", 1)[1]
        await app.submit("/mj/submit/imagine", {"prompt": "a cat", "base64Array": [lying]})
        job = await app.engine.next_job()
    assert job.images[0].mime == "image/jpeg"


async def test_blend_passes_images_and_dimensions(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/blend", {"base64Array": [PNG, JPEG, PNG], "dimensions": "portrait"}
        )
        job = await app.engine.next_job()
        task = await app.fetch(reply["result"])
    assert job.task.action is TaskAction.BLEND
    assert len(job.images) == 3
    assert job.options == {"dimensions": "PORTRAIT"}
    assert task["description"] == f"/blend {reply['result']} 3"


async def test_blend_dimensions_default_to_square(start_app: StartApp) -> None:
    async with start_app() as app:
        await app.submit("/mj/submit/blend", {"base64Array": [PNG, PNG]})
        job = await app.engine.next_job()
    assert job.options == {"dimensions": "SQUARE"}


async def test_describe_by_base64_or_by_link(start_app: StartApp) -> None:
    async with start_app() as app:
        by_data = await app.submit("/mj/submit/describe", {"base64": PNG})
        data_job = await app.engine.next_job()
        await app.submit("/mj/submit/describe", {"link": "https://img.test/cat.png"})
        link_job = await app.engine.next_job()
        task = await app.fetch(by_data["result"])
    assert data_job.images[0].role == "describe"
    assert task["description"] == f"/describe {by_data['result']}.png"
    assert link_job.images == []
    assert link_job.options == {"link": "https://img.test/cat.png"}


async def test_describe_results_arrive_in_final_prompt(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = (await app.submit("/mj/submit/describe", {"base64": PNG}))["result"]
        await app.engine.next_job()
        await app.engine.succeed(task_id, buttons=[], final_prompt="1️⃣ a cat\n\n2️⃣ a dog")
        task = await app.fetch(task_id)
    assert task["properties"]["finalPrompt"] == "1️⃣ a cat\n\n2️⃣ a dog"


async def test_shorten(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/shorten", {"prompt": "a very long prompt"})
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert job.task.action is TaskAction.SHORTEN
    assert job.task.prompt == "a very long prompt"


async def test_edits_with_an_image_and_a_mask(start_app: StartApp) -> None:
    async with start_app() as app:
        await app.submit(
            "/mj/submit/edits", {"prompt": "make it blue", "image": PNG, "maskBase64": PNG}
        )
        job = await app.engine.next_job()
    assert job.task.action is TaskAction.EDITS
    assert [image.role for image in job.images] == ["edit"]
    assert job.mask is not None


async def test_edits_with_an_image_url(start_app: StartApp) -> None:
    async with start_app() as app:
        await app.submit("/mj/submit/edits", {"prompt": "blue", "image": "https://img.test/a.png"})
        job = await app.engine.next_job()
    assert job.options == {"imageUrl": "https://img.test/a.png"}


async def test_video_from_an_image_with_its_options(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/video",
            {
                "prompt": "the mug spins",
                "image": PNG,
                "endImage": "https://img.test/end.png",
                "motion": "HIGH",
                "loop": True,
                "batchSize": 2,
                "videoType": "vid_1.1_i2v_720",
                "mode": "relax",
            },
        )
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert job.task.action is TaskAction.VIDEO
    assert job.task.mode == "RELAX"
    assert [image.role for image in job.images] == ["video_start"]
    assert job.options == {
        "motion": "high",
        "loop": True,
        "batchSize": 2,
        "videoType": "vid_1.1_i2v_720",
        "endImageUrl": "https://img.test/end.png",
    }


async def test_video_results_are_shown_as_video_urls(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = (await app.submit("/mj/submit/video", {"image": PNG}))["result"]
        await app.engine.next_job()
        await app.engine.sinks.updates(
            TaskUpdate(
                task_id,
                status=TaskStatus.SUCCESS,
                video_url="https://cdn.test/v.mp4",
                video_urls=["https://cdn.test/v0.mp4", "https://cdn.test/v1.mp4"],
            )
        )
        task = await app.fetch(task_id)
    assert task["videoUrl"] == "https://cdn.test/v.mp4"
    assert task["videoUrls"] == [
        {"url": "https://cdn.test/v0.mp4"},
        {"url": "https://cdn.test/v1.mp4"},
    ]


async def test_face_swap_is_an_insight_face_task(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/insight-face/swap", {"sourceBase64": JPEG, "targetUrl": "https://img.test/t.jpg"}
        )
        assert reply["code"] == 1, reply
        job = await app.engine.next_job()
        task = await app.fetch(reply["result"])
    assert task["action"] == "SWAP_FACE"
    assert task["botType"] == "INSIGHT_FACE"
    assert [image.role for image in job.images] == ["face_source"]
    assert job.options == {"targetUrl": "https://img.test/t.jpg"}


async def test_upload_answers_with_urls_and_creates_no_task(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/upload-discord-images",
            {"base64Array": [PNG, JPEG], "filter": {"instanceId": "acc-1"}},
        )
        _, total = await app.services.queries.recent(limit=1, offset=0)
    assert reply == {
        "code": 1,
        "description": "Uploaded",
        "result": ["https://cdn.example.test/acc-1/0.png", "https://cdn.example.test/acc-1/1.jpg"],
        "properties": {},
    }
    assert total == 0


async def test_upload_with_no_matching_account_is_code_3(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/upload-discord-images",
            {"base64Array": [PNG], "filter": {"instanceId": "elsewhere"}},
        )
    assert reply["code"] == 3


async def test_account_filter_picks_the_account(start_app: StartApp) -> None:
    accounts = [account("acc-1"), account("acc-2", remark="team b")]
    async with start_app(accounts=accounts) as app:
        by_remark = await app.imagine("x", accountFilter={"remark": "team b"})
        job = await app.engine.next_job()
    assert job.task.id == by_remark
    assert job.account.id == "acc-2"


async def test_new_tasks_go_to_the_least_loaded_account(start_app: StartApp) -> None:
    async with start_app(accounts=[account("acc-1"), account("acc-2")]) as app:
        ids = [await app.imagine(f"p{n}") for n in range(4)]
        accounts = [
            (await app.fetch(task_id))["properties"]["discordInstanceId"] for task_id in ids
        ]
    assert accounts == ["acc-1", "acc-2", "acc-1", "acc-2"]
