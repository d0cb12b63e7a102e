"""Where re-hosted result images live: the `MediaStorage` interface and the local-directory backend.

Keys are relative paths made of `[A-Za-z0-9._-]` segments separated by `/`, always written by
mjproxy itself (`media/keys.py`); objects are written once and never modified, which is why
an ETag from size and modification time is enough.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mjproxy.domain.errors import MediaError

_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_LIST_BATCH = 500

CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
}


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One stored file with what an HTTP response needs to serve it."""

    data: bytes
    content_type: str
    etag: str
    modified_s: float


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A stored key and when it was written (epoch seconds), for retention."""

    key: str
    modified_s: float


class MediaStorage(Protocol):
    """A flat namespace of immutable objects. Every method raises `MediaError` on failure."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store `data` under `key`, replacing any object already there."""
        ...

    async def get(self, key: str) -> StoredObject | None:
        """The object under `key`, or None when there is none (never stored or expired)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, keys: list[str]) -> None:
        """Remove `keys`; keys that do not exist are ignored."""
        ...

    def list_objects(self) -> AsyncIterator[list[ObjectInfo]]:
        """Every stored object, in batches, in no particular order."""
        ...

    def public_url(self, key: str) -> str | None:
        """A permanent URL clients can GET instead of the app's (a public bucket), or None."""
        ...

    async def redirect_url(self, key: str) -> str | None:
        """A short-lived URL the app may redirect a reader to (presigned), or None."""
        ...

    async def aclose(self) -> None: ...


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed storage key; raise `MediaError` otherwise."""
    if len(key) > 512 or not _KEY.match(key) or ".." in key.split("/"):
        raise MediaError(f"Expected a storage key of safe path segments, but got {key[:80]!r}.")
    return key


def content_type_of(key: str) -> str:
    suffix = os.path.splitext(key)[1].lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


class LocalMediaStorage:
    """Objects as files under one directory, which the app serves itself.

    Blocking file I/O goes to a worker thread so a slow disk never stalls the event loop.
    """

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        return self._root

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> StoredObject | None:
        path = self._path(key)
        return await asyncio.to_thread(_read, path, content_type_of(key))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, keys: list[str]) -> None:
        paths = [self._path(key) for key in keys]
        await asyncio.to_thread(_remove_files, paths, self._root)

    async def list_objects(self) -> AsyncIterator[list[ObjectInfo]]:
        found = await asyncio.to_thread(_walk, self._root)
        for start in range(0, len(found), _LIST_BATCH):
            yield found[start : start + _LIST_BATCH]

    def public_url(self, key: str) -> str | None:
        return None

    async def redirect_url(self, key: str) -> str | None:
        return None

    async def aclose(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)


def _write_atomically(path: Path, data: bytes) -> None:
    # Write then rename, so a reader never sees half a file and a crash leaves no torn image.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        raise MediaError(f"Could not write {path.name} to the media directory: {exc}.") from exc


def _read(path: Path, content_type: str) -> StoredObject | None:
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise MediaError(f"Could not read {path.name} from the media directory: {exc}.") from exc
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    return StoredObject(data=data, content_type=content_type, etag=etag, modified_s=stat.st_mtime)


def _remove_files(paths: list[Path], root: Path) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise MediaError(
                f"Could not delete {path.name} from the media directory: {exc}."
            ) from exc
        _remove_empty_parents(path.parent, root)


def _remove_empty_parents(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return  # not empty (or already gone): the rest of the task's files stay
        directory = directory.parent


def _walk(root: Path) -> list[ObjectInfo]:
    found: list[ObjectInfo] = []
    if not root.is_dir():
        return found
    for directory, _subdirs, files in os.walk(root):
        for name in files:
            if name.startswith("."):
                continue  # a write in progress
            path = Path(directory, name)
            try:
                modified_s = path.stat().st_mtime
            except FileNotFoundError:
                continue
            found.append(ObjectInfo(key=path.relative_to(root).as_posix(), modified_s=modified_s))
    return found
