"""Check a parsed prompt's parameters against the table of its model version.

Midjourney refuses a job whose parameters it does not accept, and a refusal still costs the
account a round trip (and, for some errors, a strike). So prompts are checked here first,
and refused with a sentence that names the parameter and what it accepts.
"""

from __future__ import annotations

from mjproxy.domain.errors import InvalidPromptParameter
from mjproxy.domain.prompt import SPEED_FLAGS, Parameter, ParsedPrompt
from mjproxy.domain.prompt_values import Rule, number_text, spoken_list
from mjproxy.domain.prompt_versions import ANY_VERSION, DEFAULT_NIJI, VERSIONS, ModelVersion
from mjproxy.domain.task import BotType

__all__ = ["ANY_VERSION", "VERSIONS", "ModelVersion", "resolve_versions", "validate_parameters"]


def _version_key(value: str) -> str:
    return number_text(float(value))


def resolve_versions(
    parsed: ParsedPrompt, *, bot_type: BotType, assumed: str | None = None
) -> tuple[ModelVersion, ...]:
    """The models the prompt will run on: `--v`/`--niji` (several for a permutation such as
    `--v {6.1, 7}`), else the bot's default or the assumed one.

    Raises `InvalidPromptParameter` for an unknown version or both `--v` and `--niji`.
    """
    version, niji = parsed.find("version"), parsed.find("niji")
    if version and niji:
        raise InvalidPromptParameter(
            f"{version.written} and {niji.written} both choose a model; give only one of them.",
            parameter=version.written,
        )
    if niji is not None:
        _check_value(niji, ANY_VERSION)
        return tuple(
            VERSIONS["niji " + (_version_key(values[0]) if values else DEFAULT_NIJI)]
            for values in _permutations(niji.values)
        )
    if version is not None:
        _check_value(version, ANY_VERSION)
        return tuple(VERSIONS[_version_key(values[0])] for values in _permutations(version.values))
    if bot_type is BotType.NIJI_JOURNEY:
        return (VERSIONS["niji " + DEFAULT_NIJI],)
    return (VERSIONS[assumed] if assumed is not None else ANY_VERSION,)


def validate_parameters(
    parsed: ParsedPrompt,
    *,
    bot_type: BotType = BotType.MID_JOURNEY,
    assumed_version: str | None = None,
    allow_unknown: bool = False,
) -> ModelVersion:
    """Check every parameter against its version's table; return the (first) version checked.

    Raises `InvalidPromptParameter` naming the parameter and what it accepts.
    """
    models = resolve_versions(parsed, bot_type=bot_type, assumed=assumed_version)
    _check_repeats(parsed)
    for parameter in parsed.parameters:
        if not parameter.is_known:
            if allow_unknown:
                continue
            raise InvalidPromptParameter(
                f"{parameter.written} is not a Midjourney parameter; "
                "check its spelling or remove it.",
                parameter=parameter.written,
            )
        for model in models:
            _check_available(parameter, model)
            _check_value(parameter, model)
    _check_weights(parsed)
    return models[0]


def _check_repeats(parsed: ParsedPrompt) -> None:
    seen: dict[str, Parameter] = {}
    speeds: list[Parameter] = []
    for parameter in parsed.parameters:
        if parameter.name in seen and parameter.name != "no":
            raise InvalidPromptParameter(
                f"{parameter.written} is given more than once; give each parameter once.",
                parameter=parameter.written,
            )
        seen[parameter.name] = parameter
        if parameter.name in SPEED_FLAGS:
            speeds.append(parameter)
    if len(speeds) > 1:
        raise InvalidPromptParameter(
            f"{speeds[0].written} and {speeds[1].written} ask for different speed modes; "
            "give at most one of --fast, --relax and --turbo.",
            parameter=speeds[1].written,
        )


def _check_available(parameter: Parameter, model: ModelVersion) -> None:
    if parameter.name in model.rules:
        return
    supported = [v.label for v in VERSIONS.values() if parameter.name in v.rules]
    raise InvalidPromptParameter(
        f"{parameter.written} is not available on {model.label}; "
        f"it works on {spoken_list(supported)}.",
        parameter=parameter.written,
    )


def _check_value(parameter: Parameter, model: ModelVersion) -> None:
    rule = model.rules[parameter.name]
    for values in _permutations(parameter.values):
        if not rule.accepts(values):
            _refuse_value(parameter, rule, model, values)


def _permutations(values: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Each option of a permutation value (`--ar {1:1, 2:3}`), else the values themselves.

    Midjourney expands `{a, b}` into one job per option before it reads the parameters.
    """
    joined = " ".join(values)
    if len(joined) < 2 or not (joined.startswith("{") and joined.endswith("}")):
        return [values]
    return [tuple(option.split()) for option in joined[1:-1].split(",")]


def _refuse_value(
    parameter: Parameter, rule: Rule, model: ModelVersion, values: tuple[str, ...]
) -> None:
    given = " ".join(values)
    where = "" if model is ANY_VERSION else f" on {model.label}"
    got = f"got {given!r}" if given else "got nothing"
    raise InvalidPromptParameter(
        f"{parameter.written} {rule.expectation}{where}, but {got}.",
        parameter=parameter.written,
    )


def _check_weights(parsed: ParsedPrompt) -> None:
    weights = parsed.weights()
    if weights and sum(weights) <= 0:
        raise InvalidPromptParameter(
            f"The '::' weights add up to {number_text(sum(weights))}; "
            "the weights of all prompt parts must add up to more than 0.",
            parameter="::",
        )
