"""Turn layout rows into Discord component JSON, binding each custom_id to what it does."""

from __future__ import annotations

from collections.abc import Mapping

from mjproxy.sandbox.bot.actions import ButtonAction
from mjproxy.sandbox.bot.layouts import ButtonSpec, Row
from mjproxy.sandbox.protocol import ComponentType, JsonObject

Bindings = dict[str, ButtonAction]


def button_json(spec: ButtonSpec, fields: Mapping[str, str]) -> JsonObject:
    button: JsonObject = {"type": int(ComponentType.BUTTON), "style": int(spec.style)}
    if spec.label:
        button["label"] = spec.label
    if spec.emoji:
        button["emoji"] = {"name": spec.emoji, **({"id": spec.emoji_id} if spec.emoji_id else {})}
    if spec.url is not None:
        button["url"] = spec.url.format(**fields)
    else:
        assert spec.custom_id is not None
        button["custom_id"] = spec.custom_id.format(**fields)
    return button


def render(
    rows: tuple[Row, ...],
    *,
    fields: Mapping[str, str],
    job_uuid: str = "",
    texts: Mapping[int, str] | None = None,
) -> tuple[list[JsonObject], Bindings]:
    """Action rows for `rows` and the action bound to every custom_id in them.

    `fields` fills the templates (`uuid`, `token` …); `texts` gives buttons by index the
    prompt they carry (describe and shorten results).
    """
    components: list[JsonObject] = []
    bindings: Bindings = {}
    for row in rows:
        buttons = []
        for spec in row:
            button = button_json(spec, fields)
            buttons.append(button)
            if spec.press is not None:
                text = (texts or {}).get(spec.index, "")
                bindings[button["custom_id"]] = ButtonAction(
                    spec.press, spec.index, spec.detail, job_uuid, text
                )
        components.append({"type": int(ComponentType.ACTION_ROW), "components": buttons})
    return components, bindings


def restyle(components: list[JsonObject], custom_id: str, style: int) -> list[JsonObject]:
    """A copy of `components` with one button's style changed (a pressed U button turns blue)."""
    rows = []
    for row in components:
        buttons = [
            {**b, "style": style} if b.get("custom_id") == custom_id else dict(b)
            for b in row.get("components") or []
        ]
        rows.append({**row, "components": buttons})
    return rows
