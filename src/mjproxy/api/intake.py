"""Turn request fields into service inputs: required prompts, decoded images, links.

Everything here raises `InvalidRequest` subclasses with a sentence naming the field, before
anything is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from mjproxy.api.requests import AccountFilterIn
from mjproxy.domain.errors import InvalidField, MissingField
from mjproxy.domain.task import AccountFilter, BotType, ImageInput
from mjproxy.media.images import ImageLimits, decode_image, decode_images

MAX_PROMPT_CHARS = 8192


def required_prompt(value: str | None, *, field: str = "prompt") -> str:
    text = optional_prompt(value, field=field)
    if not text:
        raise MissingField(field)
    return text


def optional_prompt(value: str | None, *, field: str = "prompt") -> str:
    text = (value or "").strip()
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidField(
            field, f"is {len(text)} characters long; at most {MAX_PROMPT_CHARS} are accepted"
        )
    return text


async def images(
    texts: Sequence[str],
    *,
    field: str,
    role: str,
    limits: ImageLimits,
    min_count: int = 0,
    max_count: int,
) -> tuple[ImageInput, ...]:
    """Decode a list of base64 images after checking how many there are."""
    count = len(texts)
    if not min_count <= count <= max_count:
        allowed = f"{min_count} to {max_count}" if min_count else f"at most {max_count}"
        raise InvalidField(field, f"holds {count} images; {allowed} are accepted")
    if not texts:
        return ()
    return tuple(await decode_images(texts, field=field, role=role, limits=limits))


async def image_or_link(
    value: str | None, *, field: str, role: str, limits: ImageLimits
) -> tuple[ImageInput | None, str | None]:
    """An image given either as a URL (returned as the link) or as base64 data (decoded)."""
    if value is None:
        return None, None
    if value.lower().startswith(("http://", "https://")):
        if len(value) > 2048:
            raise InvalidField(field, "is a URL longer than 2048 characters")
        return None, value
    return await decode_image(value, field=field, role=role, limits=limits), None


async def optional_image(
    value: str | None, *, field: str, role: str, limits: ImageLimits
) -> ImageInput | None:
    """A base64 image that may be absent (a mask)."""
    if value is None:
        return None
    return await decode_image(value, field=field, role=role, limits=limits)


def bot_type(value: BotType | None) -> BotType | None:
    """The bot a client asked for; None lets the prompt decide (`--niji`: niji・journey)."""
    if value is BotType.INSIGHT_FACE:
        raise InvalidField("botType", "must be MID_JOURNEY or NIJI_JOURNEY")
    return value


def account_filter(value: AccountFilterIn | None) -> AccountFilter | None:
    return value.to_domain() if value is not None else None
