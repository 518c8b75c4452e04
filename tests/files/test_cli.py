"""`showctl validate` and `showctl schema`: exit codes and output, in-process and as a
subprocess (the way an operator or CI runs them)."""

import json
import subprocess
import sys
from pathlib import Path

from showctl.cli import main

from .helpers import venue_with

ROOT = Path(__file__).resolve().parents[2]
BAD_SHOW = "id: s\ncues:\n  - {id: '1', at: 0}\n  - {id: '1', at: 1, scrn: all}\n"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "showctl", *args],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_sample_files_validate_as_a_subprocess():
    done = run("validate")
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok: 4 files valid\n", "")


def test_errors_exit_1_with_path_line_col_lines(tmp_path):
    venue = venue_with(tmp_path, show=BAD_SHOW)
    done = run("validate", "--config", str(venue))
    show = tmp_path / "shows" / "show.yaml"
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{show}:4:10: duplicate cue id '1' (first on line 3)",
        f"{show}:4:22: unknown key `scrn`: did you mean `screens`?",
        "2 errors in 1 of 3 files",
    ]
    assert done.stderr == ""


def test_json_output_in_process(tmp_path, capsys):
    venue = venue_with(tmp_path, show=BAD_SHOW.replace("scrn: all", "name: x"))
    assert main(["validate", "--config", str(venue), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out == [{
        "path": str(tmp_path / "shows" / "show.yaml"),
        "line": 4,
        "column": 10,
        "message": "duplicate cue id '1' (first on line 3)",
    }]
    venue_with(tmp_path, show=BAD_SHOW.replace("scrn: all", "name: x").replace("'1', at: 1",
                                                                                "'2', at: 1"))
    assert main(["validate", "--config", str(venue), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_given_files_are_identified_by_content_and_checked_against_the_venue(tmp_path, capsys):
    venue = venue_with(tmp_path)
    show = tmp_path / "draft.txt"
    show.write_text("id: draft\ncues: [{id: '1', at: 0, screens: [10], black: {}}]\n")
    hours = tmp_path / "hours.yaml"
    hours.write_text("shows: [{show: draft, times: ['10:00']}, {show: draft, times: ['9']}]\n")
    other_venue = tmp_path / "room.yaml"
    other_venue.write_text("venue: room\ndevices: []\ntimezone: Nowhere\n")
    code = main(["validate", "--config", str(venue), str(show), str(hours), str(other_venue)])
    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{show}:2:35: screen 10 does not exist (screens: 1-9)",
        f"{hours}:1:64: times: '9' is not a time of day: write HH:MM, e.g. \"10:30\"",
        f"{other_venue}:3:11: timezone: unknown timezone 'Nowhere': use an IANA name such as "
        "Europe/Paris",
        "3 errors in 3 of 3 files",
    ]


def test_a_missing_file_and_a_missing_venue(tmp_path, capsys):
    assert main(["validate", "--config", str(ROOT / "config/venue.yaml"),
                 str(tmp_path / "nope.yaml")]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'nope.yaml'}:1:1: file not found", "1 error in 1 of 1 file"]
    done = run("validate", "--config", str(tmp_path / "venue.yaml"))
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert done.stdout.startswith(f"{tmp_path / 'venue.yaml'}:1:1: file not found\n")


def test_schema_is_json_with_the_cue_properties():
    done = run("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["id", "cues"]
    cue = schema["$defs"]["Cue"]
    assert {"id", "at", "name", "screens", "play", "stop", "pause", "black", "lights",
            "sound", "volume", "levels", "osc", "hold", "notes", "pattern"} == set(
                cue["properties"])
    assert cue["additionalProperties"] is False
    assert {"type": "string", "pattern": cue["properties"]["at"]["anyOf"][1]["pattern"]} in (
        cue["properties"]["at"]["anyOf"])
    assert "from" in schema["$defs"]["Play"]["properties"]


def test_the_committed_schema_file_is_current():
    done = run("schema")
    assert (ROOT / "docs" / "show.schema.json").read_text() == done.stdout


def test_a_show_with_a_misspelt_cues_key_is_checked_as_a_show(tmp_path, capsys):
    venue = venue_with(tmp_path)
    misc = tmp_path / "x" / "misc.yaml"
    misc.parent.mkdir()
    misc.write_text("id: misc\ntitle: T\ncue:\n  - {id: '1', at: 0}\n")
    assert main(["validate", "--config", str(venue), str(misc)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{misc}:1:1: missing `cues`",
        f"{misc}:3:1: unknown key `cue`: did you mean `cues`?",
        "2 errors in 1 of 1 file",
    ]


def test_files_are_told_apart_by_their_keys(tmp_path):
    from showctl.files.kinds import identify

    cases = {
        "id: a\ntitle: T\ncue: []\n": "show",
        "preroll: 2\ncuse: []\n": "show",
        "venue: v\ndevice: []\n": "venue",
        "devises: []\ntimezone: UTC\n": "venue",
        "shows: []\nclosed: []\n": "schedule",
        "polcy: {}\n": "schedule",
        "": None,
        "# nothing yet\n": None,
        "just a line of text\n": None,
        "colour: blue\n": None,
    }
    for n, (text, kind) in enumerate(cases.items()):
        path = tmp_path / f"f{n}.yaml"
        path.write_text(text)
        assert (text, identify(path)) == (text, kind)


def test_a_venue_error_still_counts_every_file_and_prints_normalised_paths(tmp_path, capsys):
    venue = venue_with(tmp_path, show=BAD_SHOW.replace("scrn: all", "name: x"))
    venue.write_text(venue.read_text() + "colour: red\n")
    (tmp_path / "shows" / "other.yaml").write_text("id: other\ncues: [{id: '1', at: 0}]\n")
    assert main(["validate", "--config", str(venue)]) == 1
    lines = capsys.readouterr().out.splitlines()
    show = tmp_path / "shows" / "show.yaml"
    assert f"{show}:4:10: duplicate cue id '1' (first on line 3)" in lines
    assert lines[-1] == "2 errors in 2 of 4 files"
    assert main(["validate", "--config", str(venue), "--json"]) == 1
    paths = {e["path"] for e in json.loads(capsys.readouterr().out)}
    assert paths == {str(venue), str(show)}


def test_an_empty_file_named_on_the_command_line_is_an_error(tmp_path, capsys):
    venue = venue_with(tmp_path)
    empty = tmp_path / "s4.yaml"
    empty.write_text("")
    assert main(["validate", "--config", str(venue), str(empty)]) == 1
    [error, summary] = capsys.readouterr().out.splitlines()
    assert error.startswith(f"{empty}:1:1: cannot tell what this file is")
    assert summary == "1 error in 1 of 1 file"
