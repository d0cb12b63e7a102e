"""The cloud-upload flow (reference §2.4): announce files, PUT their bytes, then reference them."""

from __future__ import annotations

from aiohttp import web

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.entities import Upload
from mjproxy.sandbox.protocol import JsonObject
from mjproxy.sandbox.rest.errors import FormErrors
from mjproxy.sandbox.snowflakes import Ids
from mjproxy.sandbox.state import World

MAX_FILES_PER_REQUEST = 10


class UploadStore:
    def __init__(self, *, world: World, ids: Ids, max_bytes: int) -> None:
        self._world = world
        self._ids = ids
        self._max_bytes = max_bytes
        self.base_url = ""  # the upload host; set once the server knows its port

    def announce(self, account: Account, channel_id: str, body: JsonObject) -> list[JsonObject]:
        """Answer POST /channels/{id}/attachments: an upload URL per announced file."""
        errors = FormErrors()
        files = body.get("files")
        if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES_PER_REQUEST:
            errors.add(["files"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length.")
            errors.raise_if_any()
        assert isinstance(files, list)
        for index, item in enumerate(files):
            if not isinstance(item, dict):
                errors.add(["files", index], "MODEL_TYPE_CONVERT", "Only dictionaries may be used.")
                continue
            errors.require(item, ["filename"], str)
            size = item.get("file_size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                errors.add(
                    ["files", index, "file_size"], "BASE_TYPE_REQUIRED", "This field is required"
                )
            elif size > self._max_bytes:
                errors.add(
                    ["files", index, "file_size"],
                    "BASE_TYPE_MAX_VALUE",
                    f"Must be at most {self._max_bytes}.",
                )
        errors.raise_if_any()
        return [
            self._register(account, channel_id, item, index) for index, item in enumerate(files)
        ]

    def _register(
        self, account: Account, channel_id: str, item: JsonObject, index: int
    ) -> JsonObject:
        filename = str(item["filename"]).replace("/", "_") or "file"
        upload_filename = f"{self._ids.job_uuid()}/{filename}"
        upload_id = self._ids.short_code(40)
        self._world.uploads[upload_filename] = Upload(
            upload_filename=upload_filename,
            filename=filename,
            declared_size=int(item["file_size"]),
            channel_id=channel_id,
            user_id=account.user_id,
            upload_id=upload_id,
        )
        return {
            "id": item.get("id", str(index)),
            "upload_url": f"{self.base_url}/{upload_filename}?upload_id={upload_id}",
            "upload_filename": upload_filename,
        }

    async def handle_put(self, request: web.Request) -> web.StreamResponse:
        """PUT <upload_url>: store the bytes (Google's upload host answers 200 with no body)."""
        upload_filename = f"{request.match_info['uuid']}/{request.match_info['filename']}"
        upload = self._world.uploads.get(upload_filename)
        if upload is None or request.query.get("upload_id") != upload.upload_id:
            return web.Response(status=404, text="No such upload.\n")
        if request.content_length is not None and request.content_length > self._max_bytes:
            return web.Response(status=413, text="Upload too large.\n")
        data = await request.read()
        if len(data) > self._max_bytes:
            return web.Response(status=413, text="Upload too large.\n")
        upload.data = data
        return web.Response(status=200)

    def discard(self, account: Account, upload_filename: str) -> bool:
        upload = self._world.uploads.get(upload_filename)
        if upload is None or upload.user_id != account.user_id:
            return False
        del self._world.uploads[upload_filename]
        return True

    def resolve(
        self, account: Account, attachments: object, errors: FormErrors, path: list[str | int]
    ) -> list[Upload]:
        """The uploads named by `[{id, filename, uploaded_filename}]`, recording bad entries."""
        if attachments is None:
            return []
        if not isinstance(attachments, list):
            errors.add(path, "BASE_TYPE_BAD_TYPE", "Must be an array.")
            return []
        found: list[Upload] = []
        for index, item in enumerate(attachments):
            name = item.get("uploaded_filename") if isinstance(item, dict) else None
            upload = self._world.uploads.get(name) if isinstance(name, str) else None
            if upload is None or upload.user_id != account.user_id or upload.data is None:
                errors.add(
                    [*path, index, "uploaded_filename"],
                    "ATTACHMENT_NOT_FOUND",
                    "Attachment upload not found.",
                )
                continue
            found.append(upload)
        return found
