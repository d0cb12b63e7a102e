"""Validation errors become one readable sentence per problem, naming the wire field."""

from __future__ import annotations

from mjproxy.api.errors import describe_validation, error_body, is_submit_route


def test_field_paths_use_the_wire_names_and_list_indexes() -> None:
    errors = [
        {
            "type": "enum",
            "loc": ("body", "accountFilter", "modes", 0),
            "msg": "Input should be 'FAST', 'RELAX' or 'TURBO'",
            "input": "SLOW",
        }
    ]
    assert describe_validation(errors) == (
        "accountFilter.modes[0]: Input should be 'FAST', 'RELAX' or 'TURBO', but got 'SLOW'."
    )


def test_missing_fields_and_non_object_bodies() -> None:
    assert describe_validation([{"type": "missing", "loc": ("body", "taskId")}]) == (
        "taskId is required."
    )
    not_object = [{"type": "model_attributes_type", "loc": ("body",), "input": [1]}]
    assert describe_validation(not_object) == (
        "The request body must be a JSON object, but got a JSON array."
    )


def test_long_inputs_are_cut_and_many_problems_summarised() -> None:
    error = {"type": "string_type", "loc": ("query", "limit"), "msg": "bad", "input": "x" * 500}
    text = describe_validation([error] * 7)
    assert text.count("limit: bad") == 5
    assert "and 2 more problems" in text
    assert "x" * 100 not in text


def test_submit_routes_are_recognised_under_any_prefix() -> None:
    assert is_submit_route("/mj/submit/imagine")
    assert is_submit_route("/mj-fast/mj/insight-face/swap")
    assert not is_submit_route("/mj/task/1/fetch")


def test_the_error_body_has_the_submit_shape() -> None:
    assert error_body(4, "bad") == {
        "code": 4,
        "description": "bad",
        "result": None,
        "properties": {},
    }
