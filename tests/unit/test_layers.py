"""The import rules of DESIGN.md, read from the source: data flows api → services →
engines/store, the domain depends on nothing, and the sandbox shares no code with the
engine it tests (issue 3: a shared parser would make the two agree on the same mistakes)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "mjproxy"

# Which first-level packages of mjproxy each one must never import.
FORBIDDEN = {
    "sandbox": {"api", "services", "engines", "store", "domain", "media", "config", "serving"},
    "domain": {"api", "services", "engines", "store", "media", "sandbox", "config", "serving"},
    "engines": {"api", "services", "store", "sandbox", "serving"},
    "store": {"api", "services", "engines", "sandbox", "serving"},
    "media": {"api", "services", "engines", "store", "sandbox", "serving"},
    "services": {"api", "sandbox", "serving"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each module file of `package`, the first-level mjproxy packages it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            names |= {m.split(".")[1] for m in modules if m.startswith("mjproxy.")}
        found[str(path.relative_to(SRC))] = names
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_down_the_layers(package: str) -> None:
    wrong = {
        module: sorted(names & FORBIDDEN[package])
        for module, names in imported_packages(package).items()
        if names & FORBIDDEN[package]
    }
    assert wrong == {}


def test_the_rule_reads_real_imports() -> None:
    """The reader itself: the api does import services, so an empty result means something."""
    assert any("services" in names for names in imported_packages("api").values())
