"""Gateway payload encoding: JSON text frames, or one zlib stream per connection (binary frames)."""

from __future__ import annotations

import json
import zlib

from mjproxy.sandbox.protocol import JsonObject


def dump_json(payload: JsonObject) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class FrameEncoder:
    """Turns payloads into websocket frames.

    With zlib-stream, one compressor lives as long as the connection and every payload ends
    with a Z_SYNC_FLUSH (`00 00 ff ff`), exactly what a client's shared inflate context
    expects (reference §1.9). `split_parts` > 1 spreads one payload over several frames to
    exercise the client's buffering.
    """

    def __init__(self, *, zlib_stream: bool, split_parts: int = 1) -> None:
        self.zlib_stream = zlib_stream
        self.split_parts = split_parts
        self._compressor = zlib.compressobj() if zlib_stream else None

    def encode(self, payload: JsonObject) -> list[str | bytes]:
        text = dump_json(payload)
        if self._compressor is None:
            return [text]
        data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        return split_bytes(data, self.split_parts)


def split_bytes(data: bytes, parts: int) -> list[str | bytes]:
    """`data` cut into at most `parts` non-empty pieces, in order."""
    if parts <= 1 or len(data) < 2:
        return [data]
    parts = min(parts, len(data))
    size = -(-len(data) // parts)
    return [data[i : i + size] for i in range(0, len(data), size)]
