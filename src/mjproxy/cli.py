"""The `mjproxy` command line."""

from __future__ import annotations

import typer

from mjproxy import __version__

app = typer.Typer(
    name="mjproxy",
    help="A Midjourney Proxy API server that drives Midjourney through Discord accounts.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the mjproxy version."""
    typer.echo(__version__)


def main() -> None:
    app()
