"""Reading request bodies the ways Discord accepts them: JSON, or multipart with `payload_json`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from mjproxy.sandbox.protocol import JsonObject
from mjproxy.sandbox.rest.errors import invalid_json


@dataclass(frozen=True, slots=True)
class FilePart:
    field: str  # "files[0]"
    filename: str
    data: bytes
    content_type: str


async def read_json_object(request: web.Request) -> JsonObject:
    """The body as a JSON object, from raw JSON or a multipart `payload_json` field."""
    if request.content_type == "multipart/form-data":
        payload, _ = await read_multipart(request)
        return payload
    try:
        value = json.loads(await request.read() or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid_json() from exc
    if not isinstance(value, dict):
        raise invalid_json()
    return value


async def read_multipart(request: web.Request) -> tuple[JsonObject, list[FilePart]]:
    """`payload_json` (or plain fields) and every file part of a multipart body."""
    reader = await request.multipart()
    payload: JsonObject = {}
    files: list[FilePart] = []
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(FilePart(part.name or "", part.filename, bytes(data), content_type))
        elif part.name == "payload_json":
            try:
                value = json.loads(data)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise invalid_json() from exc
            if not isinstance(value, dict):
                raise invalid_json()
            payload.update(value)
        elif part.name:
            payload[part.name] = bytes(data).decode(errors="replace")
    return payload, files


def peek_json(raw: bytes) -> object:
    """Best-effort decode of a JSON body for the transcript; None when it is not JSON."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
