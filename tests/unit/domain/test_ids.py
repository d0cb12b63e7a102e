from mjproxy.domain.ids import EPOCH_MS, MAX_ID, TaskIdGenerator, node_of


def test_ids_are_digit_strings_below_2_pow_53() -> None:
    generator = TaskIdGenerator(3)
    task_id = generator.next_id()
    assert task_id.isdigit()
    assert int(task_id) <= MAX_ID


def test_ids_strictly_increase_within_one_millisecond() -> None:
    generator = TaskIdGenerator(1, clock_ms=lambda: EPOCH_MS + 5_000)
    ids = [int(generator.next_id()) for _ in range(500)]
    assert ids == sorted(set(ids))


def test_ids_carry_the_node_id() -> None:
    assert node_of(TaskIdGenerator(7).next_id()) == 7
    assert node_of(TaskIdGenerator(8).next_id()) == 8


def test_restart_with_clock_behind_never_repeats_an_id() -> None:
    first = TaskIdGenerator(2, clock_ms=lambda: EPOCH_MS + 10_000)
    last = int(first.next_id())
    restarted = TaskIdGenerator(2, floor=last, clock_ms=lambda: EPOCH_MS + 9_000)
    assert int(restarted.next_id()) > last


def test_floor_from_another_node_in_same_millisecond_is_exceeded() -> None:
    other = int(TaskIdGenerator(31, clock_ms=lambda: EPOCH_MS + 1).next_id())
    mine = TaskIdGenerator(0, floor=other, clock_ms=lambda: EPOCH_MS + 1)
    assert int(mine.next_id()) > other


def test_node_id_out_of_range_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="node id"):
        TaskIdGenerator(32)
