"""An accepted user interaction (POST /interactions) as the bot receives it; nonce dedup."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.commands import Command
from mjproxy.sandbox.entities import Channel, StoredMessage, Upload
from mjproxy.sandbox.identities import BotIdentity
from mjproxy.sandbox.protocol import InteractionType, JsonObject


@dataclass(slots=True)
class Interaction:
    """What Discord hands the application: validated, with the objects its ids named."""

    id: str
    type: InteractionType
    nonce: str | None
    session_id: str | None
    account: Account
    channel: Channel
    guild_id: str | None
    bot: BotIdentity
    data: JsonObject
    command: Command | None = None  # type 2
    message: StoredMessage | None = None  # type 3: the message whose component was used
    attachments: dict[str, Upload] = field(default_factory=dict)  # type 2: option name → file

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def message_id(self) -> str:
        return self.message.id if self.message is not None else ""

    @property
    def custom_id(self) -> str:
        return str(self.data.get("custom_id", ""))

    def option(self, name: str) -> object:
        """A type-2 option's value, looking inside one level of sub-commands."""
        for option in self.data.get("options") or []:
            if option.get("name") == name:
                return option.get("value")
        return None

    def subcommand(self) -> str | None:
        for option in self.data.get("options") or []:
            if option.get("type") == 1:
                return str(option.get("name"))
        return None


class NonceLog:
    """Nonces each user has already used; a repeated nonce makes an interaction a silent no-op."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._capacity = capacity

    def first_use(self, user_id: str, nonce: str | None) -> bool:
        """Record `nonce`; False when this user already used it."""
        if nonce is None:
            return True
        key = (user_id, nonce)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True
