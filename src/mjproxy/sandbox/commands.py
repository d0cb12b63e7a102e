"""The bots' slash commands: ids, versions (rotatable), option schemas, and the command index.

Ids and versions come from reference §2.2 (trueai HEAD 2026-08). `turbo` and `prefer` ids were
not recorded anywhere; they are placeholders marked as such. Clients should discover ids
through the index endpoints, and re-discover them after a 50035 INVALID_VERSION; `rotate`
lets a test make the cached version stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mjproxy.sandbox.identities import BOTS, MIDJOURNEY_APP_ID, NIJI_APP_ID
from mjproxy.sandbox.protocol import JsonObject, OptionType
from mjproxy.sandbox.snowflakes import Ids


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    type: OptionType
    description: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (name, value)
    options: tuple[OptionSpec, ...] = ()  # for sub-commands

    def to_json(self) -> JsonObject:
        data: JsonObject = {
            "type": int(self.type),
            "name": self.name,
            "description": self.description,
        }
        if self.type not in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            data["required"] = self.required
        if self.choices:
            data["choices"] = [{"name": n, "value": v} for n, v in self.choices]
        if self.options or self.type == OptionType.SUB_COMMAND:
            data["options"] = [o.to_json() for o in self.options]
        return data


_PROMPT = OptionSpec("prompt", OptionType.STRING, "The prompt to imagine", required=True)
_BLEND_DIMENSIONS = (("Portrait", "--ar 2:3"), ("Square", "--ar 1:1"), ("Landscape", "--ar 3:2"))
_OPTIONS: dict[str, tuple[OptionSpec, ...]] = {
    "imagine": (_PROMPT,),
    "describe": (
        OptionSpec("image", OptionType.ATTACHMENT, "The image to describe"),
        OptionSpec("link", OptionType.STRING, "A link to the image to describe"),
    ),
    "blend": (
        OptionSpec("image1", OptionType.ATTACHMENT, "First image to add to the blend", True),
        OptionSpec("image2", OptionType.ATTACHMENT, "Second image to add to the blend", True),
        OptionSpec(
            "dimensions",
            OptionType.STRING,
            "The dimensions of the image",
            choices=_BLEND_DIMENSIONS,
        ),
        OptionSpec("image3", OptionType.ATTACHMENT, "Third image to add to the blend"),
        OptionSpec("image4", OptionType.ATTACHMENT, "Fourth image to add to the blend"),
        OptionSpec("image5", OptionType.ATTACHMENT, "Fifth image to add to the blend"),
    ),
    "shorten": (OptionSpec("prompt", OptionType.STRING, "The prompt to shorten", True),),
    "show": (OptionSpec("job_id", OptionType.STRING, "The job ID of the job to show", True),),
    "info": (),
    "settings": (),
    "fast": (),
    "relax": (),
    "turbo": (),
    "prefer": (OptionSpec("remix", OptionType.SUB_COMMAND, "Toggle remix mode."),),
}
_DESCRIPTIONS = {
    "imagine": "Create images with Midjourney",
    "describe": "Writes four example prompts based on an image you upload",
    "blend": "Blend images together seamlessly!",
    "shorten": "Analyzes and shortens a prompt",
    "show": "Shows the job view based on job id.",
    "info": "View information about your profile.",
    "settings": "View and adjust your personal settings.",
    "fast": "Switch to fast mode",
    "relax": "Switch to relax mode",
    "turbo": "Switch to turbo mode",
    "prefer": "Set your preferences",
}
# (application id, name) → (command id, version). "placeholder" rows were never recorded.
_IDS: dict[tuple[str, str], tuple[str, str]] = {
    (MIDJOURNEY_APP_ID, "imagine"): ("938956540159881230", "1237876415471554623"),
    (MIDJOURNEY_APP_ID, "describe"): ("1092492867185950852", "1237876415471554625"),
    (MIDJOURNEY_APP_ID, "blend"): ("1062880104792997970", "1237876415471554624"),
    (MIDJOURNEY_APP_ID, "shorten"): ("1121575372539039774", "1247736572414001223"),
    (MIDJOURNEY_APP_ID, "show"): ("1169435442328911902", "1247736572414001224"),
    (MIDJOURNEY_APP_ID, "info"): ("972289487818334209", "1237876415735660565"),
    (MIDJOURNEY_APP_ID, "settings"): ("1000850743479255081", "1493662068581077053"),
    (MIDJOURNEY_APP_ID, "fast"): ("972289487818334212", "1237876415735660572"),
    (MIDJOURNEY_APP_ID, "relax"): ("972289487818334213", "1237876415735660573"),
    (MIDJOURNEY_APP_ID, "turbo"): ("1153052353441980416", "1237876415735660574"),  # placeholder
    (MIDJOURNEY_APP_ID, "prefer"): ("984273800587776053", "1237876415735660575"),  # placeholder
    (NIJI_APP_ID, "imagine"): ("1023054140580057099", "1248805223892254774"),
    (NIJI_APP_ID, "describe"): ("1092683500743831652", "1248805223892254776"),
    (NIJI_APP_ID, "blend"): ("1061216934374424697", "1248805223892254775"),
    (NIJI_APP_ID, "shorten"): ("1121575453916942376", "1248805223892254777"),
    (NIJI_APP_ID, "show"): ("1023054140580057101", "1248805223892254781"),
    (NIJI_APP_ID, "info"): ("1023054140580057102", "1248805223892254782"),
    (NIJI_APP_ID, "settings"): ("1023054140634579025", "1493662157915684906"),
    (NIJI_APP_ID, "fast"): ("1023054140580057107", "1248805223925940261"),
    (NIJI_APP_ID, "relax"): ("1023054140634579024", "1248805223925940262"),
    (NIJI_APP_ID, "turbo"): ("1153052480512499712", "1248805223925940263"),  # placeholder
    (NIJI_APP_ID, "prefer"): ("1023054140634579029", "1248805223925940264"),  # placeholder
}


@dataclass(slots=True)
class Command:
    application_id: str
    name: str
    id: str
    version: str
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "type": 1,
            "application_id": self.application_id,
            "version": self.version,
            "name": self.name,
            "description": _DESCRIPTIONS[self.name],
            "options": [o.to_json() for o in self.options],
            "dm_permission": True,
            "contexts": [0, 1, 2],
            "integration_types": [0, 1],
            "global_popularity_rank": 1,
            "description_localized": _DESCRIPTIONS[self.name],
            "name_localized": self.name,
        }


class CommandRegistry:
    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self._commands = {
            key: Command(key[0], key[1], cid, version, _OPTIONS[key[1]])
            for key, (cid, version) in _IDS.items()
        }
        self.index_version = ids.snowflake()

    def all(self, application_id: str | None = None) -> list[Command]:
        return [
            c
            for c in self._commands.values()
            if application_id is None or c.application_id == application_id
        ]

    def by_id(self, application_id: str, command_id: str) -> Command | None:
        return next((c for c in self.all(application_id) if c.id == command_id), None)

    def by_name(self, application_id: str, name: str) -> Command:
        return self._commands[(application_id, name)]

    def rotate(self, name: str | None = None, application_id: str | None = None) -> list[Command]:
        """Give commands (all, or those named) a new version; the old one becomes stale."""
        rotated = [c for c in self.all(application_id) if name is None or c.name == name]
        if not rotated:
            raise LookupError(f"No command is named {name!r}.")
        for command in rotated:
            command.version = self._ids.snowflake()
        self.index_version = self._ids.snowflake()
        return rotated

    def index(self) -> JsonObject:
        """The body of GET …/application-command-index."""
        return {
            "applications": [bot.application_json() for bot in BOTS.values()],
            "application_commands": [c.to_json() for c in self.all()],
            "version": self.index_version,
        }

    def search(self, query: str, *, limit: int, include_applications: bool) -> JsonObject:
        """The body of the older GET …/application-commands/search."""
        found = [c for c in self.all() if c.name.startswith(query.lower())][:limit]
        body: JsonObject = {
            "application_commands": [c.to_json() for c in found],
            "cursor": {"next": None, "previous": None, "repaired": None},
        }
        if include_applications:
            body["applications"] = [bot.application_json() for bot in BOTS.values()]
        return body
