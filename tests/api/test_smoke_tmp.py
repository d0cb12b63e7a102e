from tests.harness import StartApp


async def test_imagine_then_fetch(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine("  a cat  ")
        task = await app.fetch(task_id)
        assert task["prompt"] == "a cat"
        job = await app.engine.next_job()
        await app.engine.progress(task_id, 30)
        job_hash = await app.engine.succeed(task_id)
        task = await app.fetch(task_id)
        assert task["status"] == "SUCCESS", task
        reply = await app.submit(
            "/mj/submit/action", {"taskId": task_id, "customId": "MJ::JOB::upsample::2::random"}
        )
        assert reply["code"] == 1, reply
        child = await app.engine.next_job()
        assert child.button is not None and child.button.index == 2
        assert child.task.custom_id == f"MJ::JOB::upsample::2::{job_hash}"
