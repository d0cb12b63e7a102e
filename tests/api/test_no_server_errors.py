"""Whatever a client sends, no route answers HTTP 500: odd shapes, types and sizes."""

from __future__ import annotations

import pytest

from tests.api.test_compatibility import every_route
from tests.harness import StartApp

ODD_BODIES: list[bytes] = [
    b"0",
    b'"text"',
    b"[]",
    b"true",
    b'{"prompt": {"a": 1}, "taskId": [1], "customId": 7, "ids": {"x": 1}}',
    b'{"taskId": 1e308, "index": 100000000000000000000000000000, "ids": [1e30]}',
    b'{"base64Array": [null, 1, {}], "base64": 5, "dimensions": 3, "content": []}',
    b'{"prompt": "a\\ud800b", "state": "\\udfff"}',
    b'{"prompt": "' + "🐱".encode() * 2000 + b'"}',
    b'{"a": ' + b"[" * 500 + b"]" * 500 + b"}",
    b'{"accountFilter": "x", "filter": [], "notifyHook": {}}',
    b'{"taskId": "-1", "customId": "MJ::JOB::upsample::1::h", "content": "-1 U1"}',
    b'{"taskId": "99999999999999999999999999", "ids": ["99999999999999999999999999"]}',
]


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
async def test_no_route_answers_500_to_odd_input(start_app: StartApp, body: bytes) -> None:
    async with start_app(scheduler={"running": 50, "queued": 50}) as app:
        task_id, _ = await app.finished_imagine()
        for method, path, _, _ in every_route(task_id):
            response = await app.client.request(method, f"/mj{path}", content=body)
            assert response.status_code < 500, (path, body[:60], response.text)
            assert isinstance(response.json(), dict | list), path
