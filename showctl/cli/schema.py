"""`showctl schema`: the JSON Schema of show files, for editors' YAML completion."""

from __future__ import annotations

import argparse
import json
from typing import Any

from showctl.model import Show

SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema"


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "schema",
        parents=[common],
        help="print the JSON Schema of show files",
        description="Print the JSON Schema of show files (see docs/editor-setup.md).",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(show_schema(), indent=2))
    return 0


def show_schema() -> dict[str, Any]:
    """The schema as an editor needs it: what a show file may contain as written."""
    schema = Show.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    # A cue's `osc` is one message or a list of them; DMX channel keys are numbers.
    one = {"$ref": "#/$defs/OscAction"}
    osc = defs["Cue"]["properties"]["osc"]
    defs["Cue"]["properties"]["osc"] = {
        "anyOf": [one, {"type": "array", "items": one}],
        "description": osc.get("description", ""),
    }
    defs["Levels"]["properties"]["channels"]["propertyNames"] = {"pattern": "^[0-9]+$"}
    # Cue ids may be written as numbers (`id: 7`), as many operators do.
    defs["Cue"]["properties"]["id"] = {
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}],
        "description": defs["Cue"]["properties"]["id"].get("description", ""),
    }
    schema.pop("title", None)
    return {"$schema": SCHEMA_ID, "title": "showctl show file", **schema}
