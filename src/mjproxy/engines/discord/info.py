"""Reading Midjourney's `/info` embed into account facts."""

from __future__ import annotations

from mjproxy.domain.account import MidjourneyFacts
from mjproxy.engines.discord import formats


def parse_info(description: str) -> tuple[dict[str, str], MidjourneyFacts]:
    """The `**Key**: value` lines of an `/info` embed, and the facts the engine uses."""
    fields: dict[str, str] = {}
    for line in description.splitlines():
        found = formats.INFO_LINE.match(line.strip())
        if found is not None:
            fields[found["key"].strip()] = found["value"].strip()
    keys = formats.INFO_KEYS
    fast_h = parse_fast_time_h(fields.get(keys["fast_time"], ""))
    return fields, MidjourneyFacts(
        subscription=fields.get(keys["subscription"]),
        job_mode=fields.get(keys["job_mode"]),
        fast_time_remaining_h=fast_h,
        relaxed_usage=fields.get(keys["relaxed_usage"]),
        lifetime_usage=fields.get(keys["lifetime_usage"]),
        fast_exhausted=fast_h is not None and fast_h <= formats.FAST_EXHAUSTED_BELOW_H,
    )


def parse_fast_time_h(value: str) -> float | None:
    """`29.57/30.0 hours (98.58%)` → 29.57; `25.00 minutes` → 0.4167; anything else → None."""
    found = formats.INFO_FAST_TIME.match(value.strip())
    if found is None:
        return None
    amount = float(found["amount"])
    return amount / 60.0 if found["unit"].lower().startswith("minute") else amount
