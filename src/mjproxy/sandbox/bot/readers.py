"""/describe and /shorten: prompts read from an image or a prompt, as embeds with buttons."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from math import gcd

from mjproxy.sandbox.bot import formats, layouts
from mjproxy.sandbox.bot.components import render
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.config import DescribeResult
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.images import describe_colours
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import JsonObject

_LINK = re.compile(r"^https?://\S+$")


@dataclass(frozen=True, slots=True)
class Described:
    """What a describe result was read from, so 🔄 can read it again."""

    url: str
    size: tuple[int, int]
    colour: str


class Readers:
    def __init__(self, ctx: BotContext, replies: Replies) -> None:
        self._ctx = ctx
        self._replies = replies
        self._described: dict[str, Described] = {}  # by result message id

    async def describe(self, ix: Interaction) -> None:
        subject = await self._subject(ix)
        if subject is None:
            return
        await self._deliver(ix, subject)

    async def _subject(self, ix: Interaction) -> Described | None:
        """The image to describe, or None after answering with the embed that says why not."""
        upload = ix.attachments.get("image")
        link = ix.option("link")
        if upload is not None and upload.data is not None:
            read = await asyncio.to_thread(describe_colours, upload.data)
            if read is None:
                await self._replies.embed(ix, "invalid_image")
                return None
            colour, size = read
            attachment = self._ctx.cdn.put(
                ix.channel.id, upload.filename, upload.data, "image/png", size=size
            )
            return Described(str(attachment["url"]), size, colour)
        if isinstance(link, str) and _LINK.match(link):
            names = list(describe_colour_names())
            colour = names[hashlib.sha1(link.encode()).digest()[0] % len(names)]
            return Described(link, (1024, 1024), colour)
        await self._replies.embed(ix, "invalid_link", fields={"link": str(link or "")})
        return None

    async def _deliver(
        self, ix: Interaction, subject: Described, reference: StoredMessage | None = None
    ) -> None:
        start_data = self._replies.compose(ix, reference=reference)
        start = await self._replies.respond(ix, lambda: self._replies.post(ix, start_data))
        await self._ctx.clock.sleep(self._ctx.timings.describe_s)
        prompts = describe_prompts(subject)
        width, height = subject.size
        embed: JsonObject = {
            "type": "rich",
            "description": "\n\n".join(
                f"{k} {p}" for k, p in zip(formats.KEYCAPS, prompts, strict=False)
            ),
            "image": {
                "url": subject.url,
                "proxy_url": subject.url,
                "width": width,
                "height": height,
            },
            "color": formats.COLOR_INFO,
        }
        texts = dict(enumerate(prompts, start=1))
        components, bindings = render(layouts.DESCRIBE, fields={}, texts=texts)
        if self._ctx.switches.describe_result == DescribeResult.UPDATE:
            self._ctx.messages.update(
                start, {"embeds": [embed], "components": components}, actions=bindings
            )
            result = start
        else:
            data = self._replies.compose(
                ix, with_nonce=False, reference=reference, embeds=[embed], components=components
            )
            result = self._replies.post(ix, data, actions=bindings)
        self._described[result.id] = subject

    async def retry(self, ix: Interaction) -> None:
        """🔄 under a describe result: read the same image again."""
        assert ix.message is not None
        subject = self._described.get(ix.message.id)
        if subject is None:
            await self._replies.embed(ix, "invalid_image")
            return
        await self._deliver(ix, subject, reference=ix.message)

    async def shorten(self, ix: Interaction) -> None:
        prompt = str(ix.option("prompt") or "")
        words = [w for w in prompt.split() if not w.startswith("--")]
        shortened = [
            " ".join(words[: max(1, round(len(words) * (6 - k) / 6))]) for k in range(1, 6)
        ]
        lines = "\n".join(f"{k} {p}" for k, p in zip(formats.KEYCAPS, shortened, strict=True))
        tokens = ", ".join(f"**{w}**" for w in words[:10])
        embed: JsonObject = {
            "type": "rich",
            "description": formats.SHORTEN_DESCRIPTION.format(tokens=tokens, prompts=lines),
            "footer": {"text": formats.SHORTEN_FOOTER},
            "color": formats.COLOR_INFO,
        }
        components, bindings = render(
            layouts.SHORTEN, fields={}, texts=dict(enumerate(shortened, start=1))
        )
        data = self._replies.compose(ix, embeds=[embed], components=components)
        await self._replies.respond(
            ix,
            lambda: self._replies.post(ix, data, actions=bindings),
            delay_s=self._ctx.timings.shorten_s,
        )


def describe_colour_names() -> tuple[str, ...]:
    return ("crimson", "orange", "golden", "emerald", "teal", "azure", "violet", "rose")


def describe_prompts(subject: Described) -> list[str]:
    width, height = subject.size
    divisor = gcd(width, height) or 1
    aspect = f"{width // divisor}:{height // divisor}"
    return [
        formats.DESCRIBE_LINE.format(
            keycap="", text=style.format(colour=subject.colour), aspect=aspect
        ).strip()
        for style in formats.DESCRIBE_STYLES
    ]
