"""The OpenAPI document lists every endpoint once, each with a request example."""

from __future__ import annotations

from typing import Any

from tests.harness import StartApp

ENDPOINTS = {
    ("post", "/mj/submit/imagine"), ("post", "/mj/submit/blend"), ("post", "/mj/submit/describe"),
    ("post", "/mj/submit/shorten"), ("post", "/mj/submit/action"), ("post", "/mj/submit/modal"),
    ("post", "/mj/submit/change"), ("post", "/mj/submit/simple-change"),
    ("post", "/mj/submit/upload-discord-images"), ("post", "/mj/submit/video"),
    ("post", "/mj/submit/edits"), ("post", "/mj/insight-face/swap"),
    ("get", "/mj/task/{task_id}/fetch"), ("post", "/mj/task/list-by-condition"),
    ("get", "/mj/task/list"), ("get", "/mj/task/queue"), ("get", "/mj/task/{task_id}/image-seed"),
    ("post", "/mj/task/{task_id}/cancel"), ("get", "/mj/account/list"),
    ("get", "/mj/account/{account_id}/fetch"), ("get", "/health"),
    ("get", "/mj/task/stream"), ("get", "/mj/task/{task_id}/stream"),
    ("get", "/mj/image/{task_id}/{token}/{name}"), ("get", "/mj/admin/webhooks/deliveries"),
    ("get", "/mj/admin/webhooks/deliveries/{delivery_id}"),
    ("get", "/mj/admin/banned-words"), ("post", "/mj/admin/banned-words"),
    ("delete", "/mj/admin/banned-words/{word}"),
    ("get", "/mj/admin/accounts"), ("post", "/mj/admin/accounts"),
    ("get", "/mj/admin/accounts/{account_id}"), ("patch", "/mj/admin/accounts/{account_id}"),
    ("delete", "/mj/admin/accounts/{account_id}"),
    ("post", "/mj/admin/accounts/{account_id}/enable"),
    ("post", "/mj/admin/accounts/{account_id}/disable"),
    ("post", "/mj/admin/accounts/{account_id}/reconnect"),
    ("post", "/mj/admin/accounts/{account_id}/sync"),
}  # fmt: skip


def _example_of(spec: dict[str, Any], operation: dict[str, Any]) -> Any:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]["examples"][0]


async def test_every_endpoint_is_documented_once_with_an_example(start_app: StartApp) -> None:
    async with start_app() as app:
        spec = (await app.client.get("/openapi.json")).json()
        docs = await app.client.get("/docs")
    operations = {
        (method, path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == ENDPOINTS
    assert docs.status_code == 200
    for (method, path), operation in operations.items():
        assert operation.get("summary"), path
        if method == "post" and "{" not in path:
            assert _example_of(spec, operation), path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"].get("examples"), (path, parameter["name"])


async def test_the_documented_examples_are_accepted(start_app: StartApp) -> None:
    """Each example really works: nothing in it is refused as invalid input.

    The admin key is sent because it opens every route, the admin ones included."""
    async with start_app(admin_secret="admin-key") as app:
        spec = (await app.client.get("/openapi.json")).json()
        for path, item in spec["paths"].items():
            operation = item.get("post")
            if operation is None or "{" in path or "requestBody" not in operation:
                continue
            example = _example_of(spec, operation)
            if "base64" in str(example):
                continue  # the examples abbreviate image data
            response = await app.client.post(
                path, json=example, headers={"mj-api-secret": "admin-key"}
            )
            assert response.status_code == 200, (path, response.text)
            reply = response.json()
            if isinstance(reply, dict) and "code" in reply:  # admin routes answer plain JSON
                assert reply["code"] != 4, (path, reply)


async def test_errors_and_streams_are_documented_as_they_are_answered(start_app: StartApp) -> None:
    """No FastAPI 422 (the app never answers it): the real error replies, and SSE streams."""
    async with start_app() as app:
        spec = (await app.client.get("/openapi.json")).json()
    error = {"$ref": "#/components/schemas/ErrorReply"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for operation in item.values():
            responses = operation["responses"]
            assert "422" not in responses, path
            assert responses["default"]["content"]["application/json"]["schema"] == error
            needs_key = path.startswith("/mj/") and not path.startswith("/mj/image/")
            assert ("401" in responses) is needs_key, path
    for path in ("/mj/task/stream", "/mj/task/{task_id}/stream"):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["text/event-stream"], path
    fetch = spec["paths"]["/mj/task/{task_id}/fetch"]["get"]["responses"]
    assert fetch["404"]["content"]["application/json"]["schema"] == error
