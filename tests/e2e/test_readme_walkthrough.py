"""The README's sandbox walk-through, pasted into bash against `mjproxy serve --sandbox`."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.e2e.cli_server import serve_cli

README = Path(__file__).parents[2] / "README.md"
_SH = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def walkthrough() -> str:
    text = README.read_text()
    section = text[text.index("### Walk-through") : text.index("### Without the sandbox")]
    return "\n".join(_SH.findall(section))


async def test_the_walkthrough_runs_end_to_end_against_the_sandbox(tmp_path: Path) -> None:
    async with serve_cli(tmp_path, "--sandbox", "--sandbox-speed", "50") as server:
        await server.wait_for_line(re.compile(r"SANDBOX MODE"))
        await server.wait_for_line(re.compile(r"sandbox gateway identifying -> ready"))
        script = "set -euo pipefail\n" + walkthrough().replace(
            "http://127.0.0.1:8080", server.base_url
        )
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 50)
    output = stdout.decode()
    assert process.returncode == 0, output + stderr.decode()
    assert '"status": "SUCCESS"' in output  # the pretty-printed grid task
    assert re.search(r"^SUCCESS http", output, re.MULTILINE)  # the U3 task and its image
    assert '"code":1' in output  # the modal confirm was accepted
