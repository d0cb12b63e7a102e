"""The S3-compatible media backend (AWS S3, MinIO, SeaweedFS, R2 …) on boto3.

boto3 is synchronous, so every call runs in a worker thread; the client itself is
thread-safe. How clients reach an object is the `url_mode`:
- `proxy`: the app reads the object and serves it (works with a private bucket);
- `public`: `public_base_url/key`, for a bucket (or CDN in front of it) readable by anyone;
- `presigned`: a time-limited signed URL, handed out by the app as a redirect on each read,
  so the URL stored in a task never expires.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mjproxy.domain.errors import MediaError
from mjproxy.media.storage import ObjectInfo, StoredObject, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}
# SigV4 presigned URLs are valid for at most seven days.
MAX_PRESIGN_S = 7 * 24 * 3600


class S3UrlMode(StrEnum):
    PROXY = "proxy"
    PUBLIC = "public"
    PRESIGNED = "presigned"


@dataclass(frozen=True, slots=True)
class S3Options:
    """How to reach the bucket. Credentials may be None to use boto3's own chain."""

    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = ""
    url_mode: S3UrlMode = S3UrlMode.PROXY
    public_base_url: str | None = None
    presign_expiry_s: int = 3600
    path_style: bool = True
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.url_mode is S3UrlMode.PUBLIC and not self.public_base_url:
            raise ValueError(
                "S3 url_mode 'public' needs public_base_url (the bucket's public URL)."
            )
        if not 1 <= self.presign_expiry_s <= MAX_PRESIGN_S:
            raise ValueError(
                f"Expected presign_expiry_s between 1 and {MAX_PRESIGN_S}, "
                f"but got {self.presign_expiry_s}."
            )


class S3MediaStorage:
    """`MediaStorage` on an S3-compatible bucket."""

    def __init__(self, options: S3Options, *, client: S3Client | None = None) -> None:
        self._options = options
        self._prefix = options.prefix.strip("/") + "/" if options.prefix.strip("/") else ""
        self._client = client or _make_client(options)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        name = self._name(key)
        await self._call(
            "store",
            key,
            self._client.put_object,
            Bucket=self._options.bucket,
            Key=name,
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    async def get(self, key: str) -> StoredObject | None:
        name = self._name(key)
        try:
            return await asyncio.to_thread(self._get_sync, name)
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                return None
            raise MediaError(f"Could not read {key} from the S3 bucket: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise MediaError(f"Could not read {key} from the S3 bucket: {_describe(exc)}") from exc

    async def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            await asyncio.to_thread(self._client.head_object, Bucket=self._options.bucket, Key=name)
        except ClientError as exc:
            if _error_code(exc) in _MISSING:
                return False
            raise MediaError(f"Could not look up {key} in the S3 bucket: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise MediaError(f"Could not look up {key} in the S3 bucket: {_describe(exc)}") from exc
        return True

    async def delete(self, keys: list[str]) -> None:
        names = [self._name(key) for key in keys]
        for start in range(0, len(names), 1000):  # the S3 limit per DeleteObjects request
            batch = [{"Key": name} for name in names[start : start + 1000]]
            await self._call(
                "delete",
                f"{len(batch)} objects",
                self._client.delete_objects,
                Bucket=self._options.bucket,
                Delete={"Objects": batch, "Quiet": True},
            )

    async def list_objects(self) -> AsyncIterator[list[ObjectInfo]]:
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"Bucket": self._options.bucket, "Prefix": self._prefix}
            if token:
                arguments["ContinuationToken"] = token
            page = await self._call("list", "the bucket", self._client.list_objects_v2, **arguments)
            yield [
                ObjectInfo(
                    key=item["Key"][len(self._prefix) :],
                    modified_s=item["LastModified"].timestamp(),
                )
                for item in page.get("Contents", [])
            ]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    def public_url(self, key: str) -> str | None:
        if self._options.url_mode is not S3UrlMode.PUBLIC:
            return None
        assert self._options.public_base_url is not None  # checked in S3Options
        return f"{self._options.public_base_url.rstrip('/')}/{self._name(key)}"

    async def redirect_url(self, key: str) -> str | None:
        if self._options.url_mode is not S3UrlMode.PRESIGNED:
            return None
        url: str = await self._call(
            "sign",
            key,
            self._client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self._options.bucket, "Key": self._name(key)},
            ExpiresIn=self._options.presign_expiry_s,
        )
        return url

    async def aclose(self) -> None:
        await asyncio.to_thread(self._client.close)

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    def _get_sync(self, name: str) -> StoredObject:
        response = self._client.get_object(Bucket=self._options.bucket, Key=name)
        with response["Body"] as body:
            data = body.read()
        return StoredObject(
            data=data,
            content_type=response.get("ContentType") or "application/octet-stream",
            etag=response.get("ETag") or f'"{len(data):x}"',
            modified_s=response["LastModified"].timestamp(),
        )

    async def _call(self, verb: str, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise MediaError(f"Could not {verb} {what} in the S3 bucket: {_describe(exc)}") from exc


def _make_client(options: S3Options) -> S3Client:
    config = Config(
        region_name=options.region,
        signature_version="s3v4",
        s3={"addressing_style": "path" if options.path_style else "auto"},
        connect_timeout=min(options.timeout_s, 10.0),
        read_timeout=options.timeout_s,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    client: S3Client = boto3.session.Session().client(
        "s3",
        endpoint_url=options.endpoint_url,
        aws_access_key_id=options.access_key_id,
        aws_secret_access_key=options.secret_access_key,
        config=config,
    )
    return client


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    # botocore messages name the operation and the error code, never the credentials.
    return f"{type(exc).__name__}: {str(exc)[:300]}"
