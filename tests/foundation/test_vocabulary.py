"""The core's vocabulary is one: the events table and the transport states of
docs/architecture.md are those of the code, and what is published fits its type."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from showctl.core.events import PAYLOADS, EventKind
from showctl.core.transport import TransportState
from showctl.outputs.actions import Action, ActionKind
from tests.core.room import open_room
from tests.core.shows import HOLD_SHOW

DOC = Path(__file__).parents[2] / "docs" / "architecture.md"


def _field(name: str, hint: object, optional: bool) -> str:
    shown = f'"{name}"'
    if typing.get_origin(hint) is typing.Literal:
        shown += ": " + '"' + "\\|".join(typing.get_args(hint)) + '"'
    return shown + ("?" if optional else "")


def events_table() -> str:
    """The events table as the code says it: kind, the keys of its payload (a `Literal`'s
    values shown, `?` after a key that may be absent), the payload's docstring."""
    rows = ["| kind | data | when |", "| --- | --- | --- |"]
    for kind, payload in PAYLOADS.items():
        hints = typing.get_type_hints(payload)
        optional = payload.__optional_keys__  # type: ignore[attr-defined]
        fields = ", ".join(_field(k, hints[k], k in optional) for k in hints)
        when = " ".join((payload.__doc__ or "").split())
        rows.append(f"| `{kind}` | `{{{fields}}}` | {when} |")
    return "\n".join(rows)


def test_the_events_table_of_the_architecture_doc_is_the_code():
    text = DOC.read_text()
    section = text[text.index("## Events"):]
    start = section.index("| kind |")
    doc_table = section[start:section.index("\n\n", start)]
    assert doc_table == events_table(), (
        "docs/architecture.md's events table differs from showctl/core/events.py; "
        "the code says:\n" + events_table())


def test_every_event_kind_has_a_payload_type():
    assert set(PAYLOADS) == set(typing.get_args(EventKind))


def test_every_action_kind_is_one_class():
    kinds = [cls.kind for cls in typing.get_args(Action)]
    assert sorted(kinds) == sorted(typing.get_args(ActionKind))
    assert len(set(kinds)) == len(kinds)


def test_the_status_doc_lists_the_transport_states():
    doc = re.search(r'"state": "([a-z|]+)"', DOC.read_text())
    assert doc is not None
    assert doc.group(1).split("|") == [s.value for s in TransportState]


async def test_what_a_show_publishes_fits_each_kind_s_payload(tmp_path):
    """Beyond mypy (which checks every `publish` call): keys built at run time (a `**`
    spread) are checked here, on a real run through every transport state."""
    room = await open_room(tmp_path, shows=[HOLD_SHOW])
    try:
        c, clock = room.controller, room.clock
        c.load("holdy", by="test")
        c.go(by="test")
        await clock.advance(6.0)
        c.pause(by="test")
        c.resume(by="test")
        c.seek(0.5, by="test")
        c.hold_schedule(by="test")
        c.release_schedule(by="test")
        c.heartbeat("screen1")
        await clock.advance(120.0)  # past the hold: go, then the end
        c.go(by="test")
        c.stop(2.0, by="test")
        await clock.advance(5.0)
        c.panic(by="test")
    finally:
        await room.close()
    seen = {kind for _, kind, _ in room.events}
    assert {"state", "cue", "device", "schedule", "run", "log"} <= seen
    for _, kind, data in room.events:
        payload = PAYLOADS[kind]  # type: ignore[index]
        required = payload.__required_keys__  # type: ignore[attr-defined]
        allowed = required | payload.__optional_keys__  # type: ignore[attr-defined]
        assert required <= set(data) <= allowed, (kind, sorted(data))
        if kind == "state":
            assert isinstance(data["state"], TransportState)
            assert isinstance(data["previous"], TransportState)
