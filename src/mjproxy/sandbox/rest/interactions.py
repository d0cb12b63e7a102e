"""POST /interactions: Discord's validation of user interactions (types 2, 3, 4, 5), then the bot.

What Discord itself refuses gets an HTTP error here (401, 404 10008 unknown message, 400 50035
stale command version or bad form body). What passes gets 204 and is handed to the bot, which
answers over the gateway — including INTERACTION_FAILURE for a button or modal it does not know.
A nonce the user already used yields 204 and nothing else (reference §2.3).
"""

from __future__ import annotations

from aiohttp import web

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.entities import Channel, StoredMessage, Upload
from mjproxy.sandbox.identities import BOTS
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import MAX_NONCE_LENGTH, InteractionType, JsonObject, OptionType
from mjproxy.sandbox.rest.bodies import read_json_object
from mjproxy.sandbox.rest.deps import RestDeps, account_of
from mjproxy.sandbox.rest.errors import (
    FormErrors,
    missing_access,
    stale_command_version,
    unknown_application,
    unknown_channel,
    unknown_command,
    unknown_message,
)


class InteractionRoutes:
    def __init__(self, deps: RestDeps) -> None:
        self._deps = deps

    async def post(self, request: web.Request) -> web.Response:
        account = account_of(request)
        body = await read_json_object(request)
        interaction = self.validate(account, body)
        if interaction is not None:
            self._deps.bot.accept(interaction)
        return web.Response(status=204)

    def validate(self, account: Account, body: JsonObject) -> Interaction | None:
        """The accepted interaction, None for a repeated nonce; raises RestError otherwise."""
        _check_envelope(body)
        bot = BOTS.get(str(body["application_id"]))
        if bot is None:
            raise unknown_application()
        channel = self._channel(account, body)
        interaction = Interaction(
            id=self._deps.ids.snowflake(),
            type=InteractionType(body["type"]),
            nonce=body.get("nonce"),
            session_id=str(body["session_id"]),
            account=account,
            channel=channel,
            guild_id=channel.guild_id,
            bot=bot,
            data=body["data"],
        )
        if interaction.type == InteractionType.APPLICATION_COMMAND:
            self._command(interaction)
        elif interaction.type == InteractionType.MESSAGE_COMPONENT:
            interaction.message = self._component_message(account, channel, body)
        elif interaction.type == InteractionType.MODAL_SUBMIT:
            _check_modal(body)
        if not self._deps.nonces.first_use(account.user_id, interaction.nonce):
            return None
        return interaction

    def _channel(self, account: Account, body: JsonObject) -> Channel:
        channel = self._deps.world.channels.get(str(body["channel_id"]))
        if channel is None:
            raise unknown_channel()
        if account.user_id not in channel.member_ids:
            raise missing_access()
        guild_id = body.get("guild_id")
        if guild_id is not None and str(guild_id) != channel.guild_id:
            errors = FormErrors()
            errors.add(["guild_id"], "INVALID_GUILD", "The channel is not in this guild.")
            errors.raise_if_any()
        return channel

    def _command(self, interaction: Interaction) -> None:
        data = interaction.data
        errors = FormErrors()
        for field, kind in (("id", str), ("name", str), ("version", str)):
            errors.require(data, [field], kind)
        errors.raise_if_any()
        command = self._deps.commands.by_id(interaction.bot.application_id, str(data["id"]))
        if command is None:
            raise unknown_command()
        if data["version"] != command.version:
            raise stale_command_version()
        if data["name"] != command.name:
            errors.add(
                ["data", "name"],
                "APPLICATION_COMMAND_NAME_MISMATCH",
                "The name does not match the command id.",
            )
        options = data.get("options") or []
        if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
            errors.add(["data", "options"], "BASE_TYPE_BAD_TYPE", "Must be an array of options.")
            errors.raise_if_any()
        given = {str(o.get("name")): o for o in options}
        for spec in command.options:
            if spec.required and spec.name not in given:
                errors.add(
                    ["data", "options"],
                    "APPLICATION_COMMAND_OPTION_REQUIRED",
                    f"Option {spec.name!r} is required.",
                )
        unknown = [name for name in given if command.option(name) is None]
        for name in unknown:
            errors.add(
                ["data", "options"],
                "APPLICATION_COMMAND_OPTION_UNKNOWN",
                f"Option {name!r} does not exist.",
            )
        errors.raise_if_any()
        interaction.command = command
        interaction.attachments = self._attachment_options(interaction, given)

    def _attachment_options(
        self, interaction: Interaction, given: dict[str, JsonObject]
    ) -> dict[str, Upload]:
        """Uploads named by ATTACHMENT options (value = attachment id or index), by option name."""
        errors = FormErrors()
        listed = interaction.data.get("attachments") or []
        uploads = self._deps.uploads.resolve(
            interaction.account, listed, errors, ["data", "attachments"]
        )
        errors.raise_if_any()
        by_id = {str(item.get("id")): upload for item, upload in zip(listed, uploads, strict=True)}
        found: dict[str, Upload] = {}
        for name, option in given.items():
            if option.get("type") != OptionType.ATTACHMENT:
                continue
            value = str(option.get("value"))
            upload = by_id.get(value)
            if upload is None and value.isdigit() and int(value) < len(uploads):
                upload = uploads[int(value)]
            if upload is None:
                errors.add(
                    ["data", "options"],
                    "ATTACHMENT_NOT_FOUND",
                    f"Option {name!r} names no attachment.",
                )
                continue
            found[name] = upload
        errors.raise_if_any()
        return found

    def _component_message(
        self, account: Account, channel: Channel, body: JsonObject
    ) -> StoredMessage:
        errors = FormErrors()
        errors.require(body, ["message_id"], str)
        errors.require(body, ["data", "custom_id"], str)
        data = body["data"]
        if not isinstance(data.get("component_type", data.get("type")), int):
            errors.add(["data", "component_type"], "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        message = self._deps.world.live_message(channel.id, str(body["message_id"]))
        if message is None or message.ephemeral_user not in (None, account.user_id):
            raise unknown_message()
        flags = body.get("message_flags")
        if flags is not None and flags != message.flags:
            errors.add(
                ["message_flags"], "MESSAGE_FLAGS_MISMATCH", "The flags do not match the message."
            )
            errors.raise_if_any()
        return message


def _check_envelope(body: JsonObject) -> None:
    errors = FormErrors()
    errors.require(body, ["type"], int)
    errors.require(body, ["application_id"], str)
    errors.require(body, ["channel_id"], str)
    errors.require(body, ["session_id"], str)
    errors.require(body, ["data"], dict)
    kind = body.get("type")
    if isinstance(kind, int) and kind not in {t.value for t in InteractionType}:
        errors.add(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {[2, 3, 4, 5]}.")
    nonce = body.get("nonce")
    if nonce is not None and (not isinstance(nonce, str) or len(nonce) > MAX_NONCE_LENGTH):
        errors.add(["nonce"], "BASE_TYPE_BAD_LENGTH", "Must be 25 or fewer in length.")
    errors.raise_if_any()


def _check_modal(body: JsonObject) -> None:
    errors = FormErrors()
    errors.require(body, ["data", "id"], str)
    errors.require(body, ["data", "custom_id"], str)
    errors.require(body, ["data", "components"], list)
    errors.raise_if_any()
