"""Making jobs: from a slash command's prompt, or from a button on an earlier job's message."""

from __future__ import annotations

from math import gcd

from mjproxy.sandbox.bot.actions import ButtonAction, Press
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.formats import ANIMATE_SUFFIX
from mjproxy.sandbox.bot.jobs import JOB_SPECS, Job, JobKind
from mjproxy.sandbox.bot.outputs import Outputs
from mjproxy.sandbox.bot.prompts import parse_prompt
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.images import TileSpec
from mjproxy.sandbox.interactions import Interaction

# The job a button starts, and whether it keeps the parent's picture instead of a new one.
_CHILD_KIND: dict[Press, JobKind] = {
    Press.PICK: JobKind.PICK,
    Press.VARIATION: JobKind.VARIATION,
    Press.VARY: JobKind.VARIATION,
    Press.REGION: JobKind.VARIATION,
    Press.REROLL: JobKind.REROLL,
    Press.ZOOM: JobKind.ZOOM,
    Press.CUSTOM_ZOOM: JobKind.ZOOM,
    Press.PAN: JobKind.PAN,
    Press.UPSCALE: JobKind.UPSCALE,
    Press.ANIMATE: JobKind.ANIMATE,
    Press.EXTEND: JobKind.EXTEND,
    Press.VIDEO_PICK: JobKind.VIDEO_PICK,
}
_KEEPS_PICTURE = frozenset({JobKind.PICK, JobKind.VIDEO_PICK, JobKind.UPSCALE})


class JobFactory:
    def __init__(self, ctx: BotContext, outputs: Outputs) -> None:
        self._ctx = ctx
        self._outputs = outputs

    def create(
        self,
        ix: Interaction,
        kind: JobKind,
        *,
        prompt: str,
        parent: Job | None = None,
        index: int = 1,
        source: StoredMessage | None = None,
        labels: dict[str, str] | None = None,
        tiles: list[TileSpec] | None = None,
    ) -> Job:
        """A job for `prompt`, with the account's mode and model unless the prompt names them."""
        parsed = parse_prompt(prompt)
        account = ix.account
        echo = parsed.echo
        default_model = ix.bot.default_model if ix.bot.key == "niji" else account.settings.version
        if self._ctx.switches.echo_version and parsed.model is None:
            flag = "--niji" if default_model.startswith("niji") or ix.bot.key == "niji" else "--v"
            echo = f"{echo} {flag} {default_model.removeprefix('niji ')}".strip()
        seed = parsed.seed
        if seed is None:
            seed = (
                parent.seed
                if parent is not None and kind in _KEEPS_PICTURE
                else self._ctx.ids.seed()
            )
        uuid = self._ctx.ids.job_uuid()
        if tiles is None:
            video = JOB_SPECS[kind].video
            tiles = self._outputs.fresh_tiles(uuid, echo, parsed.aspect, video=video)
        return Job(
            uuid=uuid,
            kind=kind,
            interaction=ix,
            account=account,
            bot=ix.bot,
            channel=ix.channel,
            prompt=echo,
            mode=parsed.mode or account.settings.mode,
            model=parsed.model or (parent.model if parent else default_model),
            seed=seed,
            tiles=tiles,
            labels=labels or {},
            parent=parent,
            index=index,
            source=source,
        )

    def child(
        self,
        ix: Interaction,
        action: ButtonAction,
        parent: Job,
        *,
        source: StoredMessage | None,
        prompt: str | None = None,
    ) -> Job:
        """The job `action` starts from `parent`; `prompt` is a remix modal's new prompt."""
        kind = _CHILD_KIND[action.press]
        remixed = prompt is not None
        text = parent.prompt if prompt is None else prompt
        labels: dict[str, str] = {"index": str(action.index)}
        if kind == JobKind.VARIATION:
            strength = "Region" if action.press == Press.REGION else action.detail
            labels |= {"verb": "Remix" if remixed else "Variations", "strength": strength}
        elif kind == JobKind.PAN:
            labels["direction"] = action.detail
        elif kind == JobKind.UPSCALE:
            labels["strength"] = action.detail
        elif kind == JobKind.REROLL and parent.spec.video:
            kind = JobKind.ANIMATE
        if kind == JobKind.ANIMATE and not remixed and action.press == Press.ANIMATE:
            text = text + animate_suffix(action.detail, parent)
        tiles = None
        if kind in (JobKind.PICK, JobKind.VIDEO_PICK):
            tiles = [parent.tiles[action.index - 1]]
        elif kind == JobKind.UPSCALE:
            tiles = parent.tiles[:1]
        return self.create(
            ix,
            kind,
            prompt=text,
            parent=parent,
            index=action.index,
            source=source,
            labels=labels,
            tiles=tiles,
        )


def animate_suffix(level: str, parent: Job) -> str:
    """What an Animate button appends to the prompt (reference §3.3, video row)."""
    tile = parent.tiles[0]
    width, height = tile.width, tile.height
    divisor = gcd(width, height)
    return ANIMATE_SUFFIX.format(level=level, aspect=f"{width // divisor}:{height // divisor}")
