"""/settings: an ephemeral panel of toggles (style 3 on, 2 off) and a model select."""

from __future__ import annotations

from mjproxy.sandbox.accounts import Account, AccountSettings, Mode
from mjproxy.sandbox.bot.actions import ButtonAction, Press
from mjproxy.sandbox.bot.components import Bindings
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.formats import REPLIES
from mjproxy.sandbox.bot.layouts import SETTINGS_TOGGLES, VERSION_CHOICES, VERSION_SELECT_ID
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import ButtonStyle, ComponentType, JsonObject, MessageFlag


def _is_on(settings: AccountSettings, setting: str) -> bool:
    if setting in ("fast", "relax", "turbo"):
        return settings.mode.value == setting
    if setting == "low_variation":
        return not settings.high_variation
    if setting == "reset":
        return False
    return bool(getattr(settings, setting))


def panel(account: Account) -> tuple[list[JsonObject], Bindings]:
    settings = account.settings
    options = [
        {"label": label, "value": value, "default": value == settings.version}
        for label, value in VERSION_CHOICES
    ]
    select = {
        "type": int(ComponentType.STRING_SELECT),
        "custom_id": VERSION_SELECT_ID,
        "options": options,
        "placeholder": "Select a model",
        "min_values": 1,
        "max_values": 1,
    }
    rows: list[JsonObject] = [{"type": int(ComponentType.ACTION_ROW), "components": [select]}]
    bindings: Bindings = {VERSION_SELECT_ID: ButtonAction(Press.VERSION)}
    for toggles in SETTINGS_TOGGLES:
        buttons = []
        for toggle in toggles:
            on = _is_on(settings, toggle.setting)
            button: JsonObject = {
                "type": int(ComponentType.BUTTON),
                "style": int(ButtonStyle.SUCCESS if on else ButtonStyle.SECONDARY),
                "label": toggle.label,
                "custom_id": toggle.custom_id,
            }
            if toggle.emoji:
                button["emoji"] = {"name": toggle.emoji}
            buttons.append(button)
            bindings[toggle.custom_id] = ButtonAction(Press.SETTING, detail=toggle.setting)
        rows.append({"type": int(ComponentType.ACTION_ROW), "components": buttons})
    return rows, bindings


def apply(account: Account, setting: str) -> None:
    """Flip (or set) one setting the way its toggle does."""
    settings = account.settings
    if setting in ("fast", "turbo"):
        settings.mode = Mode(setting)
    elif setting == "relax":
        if account.limits.relax_concurrency > 0:
            settings.mode = Mode.RELAX
    elif setting == "high_variation":
        settings.high_variation = True
    elif setting == "low_variation":
        settings.high_variation = False
    elif setting == "stealth":
        settings.stealth = not settings.stealth and account.limits.stealth
    elif setting == "reset":
        account.settings = AccountSettings()
    else:
        setattr(settings, setting, not getattr(settings, setting))


def suffix(account: Account) -> str:
    version = account.settings.version
    flag = (
        f"--niji {version.removeprefix('niji ')}"
        if version.startswith("niji")
        else f"--v {version}"
    )
    return flag + (" --style raw" if account.settings.raw else "")


class SettingsPanel:
    def __init__(self, ctx: BotContext, replies: Replies) -> None:
        self._ctx = ctx
        self._replies = replies

    async def open(self, ix: Interaction) -> None:
        components, bindings = panel(ix.account)
        data = self._replies.compose(
            ix,
            content=REPLIES["settings"].format(suffix=suffix(ix.account)),
            flags=int(MessageFlag.EPHEMERAL),
            components=components,
        )
        await self._replies.respond(ix, lambda: self._replies.post(ix, data, actions=bindings))

    async def press(self, ix: Interaction, action: ButtonAction) -> None:
        """A toggle or the select on the panel: change the setting, edit the panel (type 7)."""
        account = ix.account
        if action.press == Press.VERSION:
            values = ix.data.get("values") or []
            if values and values[0] in {value for _, value in VERSION_CHOICES}:
                account.settings.version = str(values[0])
        else:
            apply(account, action.detail)
        message = ix.message
        assert message is not None
        components, bindings = panel(account)
        content = REPLIES["settings"].format(suffix=suffix(account))
        await self._replies.respond(
            ix,
            lambda: self._ctx.messages.update(
                message, {"components": components, "content": content}, actions=bindings
            ),
        )
