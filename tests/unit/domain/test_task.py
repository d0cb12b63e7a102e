import pytest

from mjproxy.domain.task import (
    StaleUpdate,
    Task,
    TaskAction,
    TaskStatus,
    TaskUpdate,
    apply_update,
)


def make_task(**kwargs: object) -> Task:
    return Task(id="1", action=TaskAction.IMAGINE, submit_time_ms=1000, **kwargs)  # type: ignore[arg-type]


def test_progress_text_is_percent_and_100_on_every_terminal_state() -> None:
    task = make_task(progress=31, status=TaskStatus.IN_PROGRESS)
    assert task.progress_text == "31%"
    for status in (TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCEL):
        assert make_task(progress=10, status=status).progress_text == "100%"


def test_update_sets_start_time_when_submitted() -> None:
    task = apply_update(make_task(), TaskUpdate("1", status=TaskStatus.SUBMITTED), now_ms=2000)
    assert task.start_time_ms == 2000
    assert task.version == 1


def test_failure_always_has_a_reason() -> None:
    failed = apply_update(make_task(), TaskUpdate("1", status=TaskStatus.FAILURE), now_ms=5)
    assert failed.fail_reason
    assert failed.finish_time_ms == 5
    assert failed.progress == 100


def test_failure_keeps_the_given_reason() -> None:
    update = TaskUpdate("1", status=TaskStatus.FAILURE, fail_reason="Banned prompt detected")
    assert apply_update(make_task(), update, now_ms=5).fail_reason == "Banned prompt detected"


def test_terminal_task_never_changes_status() -> None:
    done = make_task(status=TaskStatus.SUCCESS)
    with pytest.raises(StaleUpdate):
        apply_update(done, TaskUpdate("1", status=TaskStatus.IN_PROGRESS), now_ms=5)


def test_status_never_goes_backwards() -> None:
    running = make_task(status=TaskStatus.IN_PROGRESS)
    with pytest.raises(StaleUpdate):
        apply_update(running, TaskUpdate("1", status=TaskStatus.SUBMITTED), now_ms=5)


def test_progress_never_decreases() -> None:
    running = make_task(status=TaskStatus.IN_PROGRESS, progress=46)
    assert apply_update(running, TaskUpdate("1", progress=31), now_ms=5).progress == 46


def test_maps_merge_key_by_key_and_do_not_alias_the_original() -> None:
    task = make_task(properties={"a": 1})
    new = apply_update(task, TaskUpdate("1", properties={"b": 2}), now_ms=5)
    assert new.properties == {"a": 1, "b": 2}
    assert task.properties == {"a": 1}
