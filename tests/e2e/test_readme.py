"""The README's curl examples, run with the real curl against `mjproxy serve`, give the
replies the README shows. A ```sh block holding a curl command is paired with the ```json
block right after it; ```text blocks are illustrations and are not checked."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shlex
from pathlib import Path

from tests.e2e.cli_server import serve_cli

README = Path(__file__).parents[2] / "README.md"
_FENCE = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def curl_examples() -> list[tuple[str, object]]:
    fences = _FENCE.findall(README.read_text())
    return [
        (body.strip(), json.loads(reply))
        for (lang, body), (next_lang, reply) in itertools.pairwise(fences)
        if lang == "sh" and body.lstrip().startswith("curl ") and next_lang == "json"
    ]


async def _curl(command: str, base_url: str) -> object:
    argv = shlex.split(command.replace("http://127.0.0.1:8080", base_url))
    process = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    return json.loads(stdout)


def test_the_readme_has_the_imagine_fetch_action_examples() -> None:
    commands = " ".join(command for command, _ in curl_examples())
    for path in ("/mj/submit/imagine", "/mj/task/", "/fetch", "/mj/submit/action"):
        assert path in commands


async def test_every_readme_curl_example_gets_the_documented_reply(tmp_path: Path) -> None:
    async with serve_cli(tmp_path) as server:
        for command, documented in curl_examples():
            assert await _curl(command, server.base_url) == documented, command
