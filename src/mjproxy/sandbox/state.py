"""The simulated world: accounts, guilds, channels, messages and uploads, with their lookups."""

from __future__ import annotations

from dataclasses import dataclass

from mjproxy.sandbox.accounts import Account, AccountSettings, Mode, Plan
from mjproxy.sandbox.entities import Channel, Guild, StoredMessage, Upload, User
from mjproxy.sandbox.identities import BOTS
from mjproxy.sandbox.protocol import ChannelType
from mjproxy.sandbox.snowflakes import Ids


@dataclass(frozen=True, slots=True)
class AccountRequest:
    """What to create; every id left None is generated."""

    token: str | None = None
    username: str | None = None
    plan: Plan = Plan.STANDARD
    mode: Mode = Mode.FAST
    remix: bool = False
    high_variation: bool = True
    version: str = "7"
    fast_time_h: float | None = None  # None: the plan's monthly fast hours
    guild_id: str | None = None
    channel_id: str | None = None


class World:
    """Owns every stored object. Not thread-safe: lives on the sandbox's event loop."""

    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self.accounts: dict[str, Account] = {}  # by token
        self.accounts_by_user: dict[str, Account] = {}
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, StoredMessage] = {}
        self.uploads: dict[str, Upload] = {}
        self.users: dict[str, User] = {}

    def add_account(self, request: AccountRequest) -> Account:
        """Create a user with a guild channel (shared if the ids exist) and DMs with each bot."""
        user_id = self._ids.user_id()
        token = request.token or self._ids.token_for(user_id)
        if token in self.accounts:
            raise ValueError("An account with this token already exists; tokens must be unique.")
        number = len(self.accounts) + 1
        user = User(user_id, request.username or f"sandbox_user{number}", f"Sandbox User {number}")
        guild = self._guild(request.guild_id or self._ids.snowflake(), number)
        channel = self._guild_channel(request.channel_id or self._ids.snowflake(), guild)
        guild.member_ids.add(user_id)
        channel.member_ids.add(user_id)
        dms = {app_id: self._dm_channel(user_id, app_id).id for app_id in BOTS}
        settings = AccountSettings(
            mode=request.mode,
            remix=request.remix,
            high_variation=request.high_variation,
            version=request.version,
        )
        account = Account(token, user, request.plan, guild.id, channel.id, dms, settings)
        hours = account.limits.fast_hours if request.fast_time_h is None else request.fast_time_h
        account.fast_time_s = hours * 3600
        self.accounts[token] = account
        self.accounts_by_user[user_id] = account
        self.users[user_id] = user
        return account

    def _guild(self, guild_id: str, number: int) -> Guild:
        if guild_id not in self.guilds:
            self.guilds[guild_id] = Guild(guild_id, f"Sandbox Server {number}")
        return self.guilds[guild_id]

    def _guild_channel(self, channel_id: str, guild: Guild) -> Channel:
        existing = self.channels.get(channel_id)
        if existing is not None:
            if existing.guild_id != guild.id:
                raise ValueError(f"Channel {channel_id} already belongs to another guild.")
            return existing
        channel = Channel(channel_id, ChannelType.GUILD_TEXT, "midjourney", guild_id=guild.id)
        self.channels[channel_id] = channel
        guild.channel_ids.append(channel_id)
        return channel

    def _dm_channel(self, user_id: str, app_id: str) -> Channel:
        bot = BOTS[app_id]
        channel = Channel(self._ids.snowflake(), ChannelType.DM, "", recipient=bot.user_json())
        channel.member_ids.add(user_id)
        self.channels[channel.id] = channel
        return channel

    def account_by_token(self, token: str | None) -> Account | None:
        return self.accounts.get(token) if token else None

    def account_by_user(self, user_id: str) -> Account | None:
        return self.accounts_by_user.get(user_id)

    def find_account(self, key: str) -> Account | None:
        """An account by user id or token (control API callers may know either)."""
        return self.accounts_by_user.get(key) or self.accounts.get(key)

    def visible_channel(self, account: Account, channel_id: str) -> Channel | None:
        channel = self.channels.get(channel_id)
        if channel is None or account.user_id not in channel.member_ids:
            return None
        return channel

    def store_message(self, channel: Channel, message: StoredMessage) -> None:
        channel.messages[message.id] = message
        self.messages[message.id] = message

    def live_message(self, channel_id: str, message_id: str) -> StoredMessage | None:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            return None
        return message

    def guilds_of(self, user_id: str) -> list[Guild]:
        return [g for g in self.guilds.values() if user_id in g.member_ids]

    def dm_channels_of(self, account: Account) -> list[Channel]:
        return [self.channels[cid] for cid in account.dm_channel_ids.values()]
