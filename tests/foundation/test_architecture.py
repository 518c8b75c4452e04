"""docs/architecture.md and the import-linter layers name every part of the code: a
module added without its place in the layers, or without its line in the module table,
fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "showctl"
BY_MODULE = ("core", "outputs", "codec")  # packages whose every module has its own row


def _tops() -> set[str]:
    return {p.stem for p in PACKAGE.iterdir()
            if (p.suffix == ".py" and p.stem != "__init__")
            or (p.is_dir() and any(p.glob("*.py")))}


def test_every_top_level_module_and_package_has_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "layers")
    named = set(re.findall(r"showctl\.(\w+)", " ".join(contract["layers"])))
    assert _tops() - named == set(), "add these to the layers in pyproject.toml"


def test_the_module_table_names_every_module_of_the_code():
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| module | holds |"):]
    table = table[:table.index("\n\n")]
    named = set(re.findall(r"^\| `(showctl/[\w/.]+)`", table, re.M))
    wanted = {f"showctl/{t}.py" if (PACKAGE / f"{t}.py").exists() else f"showctl/{t}/"
              for t in _tops() - set(BY_MODULE) - {"__main__"}}
    for package in BY_MODULE:
        wanted |= {f"showctl/{package}/{p.name}" for p in (PACKAGE / package).glob("*.py")
                   if p.stem != "__init__"}
    wanted.discard("showctl/outputs/profiles.py")
    missing = {w for w in wanted if w not in named
               and not any(w.startswith(n) for n in named if n.endswith("/"))}
    assert missing == set(), "docs/architecture.md's module table lacks these"


def test_the_core_api_table_names_every_controller_method():
    from showctl.core.controller import Controller

    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| method | does |"):]
    table = table[:table.index("\n\n")]
    named = set(re.findall(r"`(?:async )?(\w+)\(", table))
    public = {n for n, v in vars(Controller).items()
              if not n.startswith("_") and callable(v) and not isinstance(v, property)}
    assert public - named == set(), "docs/architecture.md's Controller table lacks these"


def _layer_table() -> list[set[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| layer | packages |"):]
    table = table[:table.index("\n\n")]
    rows = table.splitlines()[2:]
    return [set(re.findall(r"`showctl/(\w+)(?:\.py|/)`", row)) for row in rows]


def test_the_layer_table_is_the_import_linter_layers_row_by_row():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "layers")
    layers = [set(re.findall(r"showctl\.(\w+)", layer)) for layer in contract["layers"]]
    assert _layer_table() == layers, "docs/architecture.md's layer table != pyproject's layers"


def test_no_module_is_described_twice():
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("| module | holds |"):]
    table = table[:table.index("\n\n")]
    named = re.findall(r"^\| `(showctl/[\w/.]+)`", table, re.M)
    assert sorted({n for n in named if named.count(n) > 1}) == []
