"""load_config on the sample files and on broken venues; find_show."""

from pathlib import Path

import pytest
import yaml

from showctl.core.errors import NotFound
from showctl.files.errors import InvalidFiles
from showctl.files.loader import find_show, load_config
from showctl.files.shape import validate
from showctl.files.yamlsrc import parse
from showctl.model import Schedule, Show, Venue

from .helpers import venue_with

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample():
    return load_config(ROOT / "config" / "venue.yaml")


def test_the_sample_venue_loads_with_its_paths_resolved(sample):
    venue = sample.venue
    assert venue.venue == "arromanches-360"
    assert venue.source == ROOT / "config" / "venue.yaml"
    assert venue.state_dir == ROOT / "var"
    assert venue.shows == ROOT / "shows"
    assert sample.schedule_path == ROOT / "config" / "schedule.yaml"
    assert [(d.index, d.angle, d.port) for d in venue.screens] == [
        (i, (i - 1) * 40, 9100 + i) for i in range(1, 10)
    ]
    assert venue.device("lights").port == 9110
    assert {u.role for u in venue.web.users} == {"viewer", "operator", "admin"}


def test_the_sample_shows_are_real(sample):
    normandy = sample.shows["normandy-100-days"]
    assert 18 * 60 <= normandy.length <= 20 * 60
    assert len(normandy.cues) >= 25
    screens = {s for c in normandy.cues for s in sample.venue.resolve_screens(c.screens)}
    assert len(screens) == 9
    assert normandy.cues[-1].lights.cue == "house-up"
    immersive = sample.shows["immersive-360"]
    assert any(c.hold for c in immersive.cues) and immersive.length < 8 * 60
    assert sample.show_paths["immersive-360"] == ROOT / "shows" / "immersive-360.yaml"


def test_the_sample_schedule(sample):
    schedule = sample.schedule
    assert [str(d) for d in schedule.closed] == ["2026-12-25", "2027-01-01"]
    every = schedule.shows[0].every
    assert (f"{every.from_:%H:%M}", f"{every.until:%H:%M}", every.interval) == (
        "10:00", "17:30", 1800.0)
    assert str(schedule.special[0].date) == "2026-12-24"


@pytest.mark.parametrize(
    ("model", "path"),
    [(Venue, "config/venue.yaml"), (Schedule, "config/schedule.yaml"),
     (Show, "shows/normandy-100-days.yaml"), (Show, "shows/immersive-360.yaml")],
)
def test_round_trip_model_dump_load_is_equal(model, path, tmp_path):
    original, errors = validate(model, parse((ROOT / path).read_text(), ROOT / path))
    assert errors == []
    dumped = yaml.safe_dump(original.model_dump(mode="json", by_alias=True), sort_keys=False)
    again, errors = validate(model, parse(dumped, tmp_path / "dump.yaml"))
    assert errors == []
    assert again == original


def test_find_show_by_id_or_path(sample, tmp_path, monkeypatch):
    assert find_show(sample, "immersive-360").title.startswith("Into the Storm")
    assert find_show(sample, str(ROOT / "shows" / "normandy-100-days.yaml")).id == (
        "normandy-100-days")
    monkeypatch.chdir(ROOT)
    assert find_show(sample, "shows/immersive-360.yaml").id == "immersive-360"
    with pytest.raises(NotFound, match=r"no show 'normandie' .*immersive-360, normandy"):
        find_show(sample, "normandie")


def test_find_show_checks_a_file_outside_the_shows_folder(sample, tmp_path):
    draft = tmp_path / "draft.yaml"
    draft.write_text("id: draft\ncues:\n  - {id: '1', at: 0, screens: 10, black: {}}\n")
    with pytest.raises(InvalidFiles) as caught:
        find_show(sample, str(draft))
    assert caught.value.lines == [f"{draft}:3:31: screen 10 does not exist (screens: 1-9)"]
    draft.write_text("id: draft\ncues:\n  - {id: '1', at: 0, screens: 9, black: {}}\n")
    assert find_show(sample, str(draft)).id == "draft"


def test_two_files_with_one_show_id(tmp_path):
    path = venue_with(tmp_path, show="id: small\ncues: [{id: '1', at: 0}]\n")
    (tmp_path / "shows" / "small.yaml").write_text("id: small\ncues: [{id: '1', at: 0}]\n")
    config = load_config(path)  # both files rejected, neither version loads
    assert "small" not in config.shows
    assert [(e.path.name, e.line, e.column, e.message) for e in rejected(config)] == [
        ("show.yaml", 1, 5, "show id 'small' is also used by small.yaml (line 1): "
         "each show needs its own id"),
        ("small.yaml", 1, 5, "show id 'small' is also used by show.yaml (line 1): "
         "each show needs its own id"),
    ]


def test_a_missing_shows_folder_points_at_the_venue_key(tmp_path):
    path = venue_with(tmp_path)
    path.write_text(path.read_text() + "shows: ../nowhere\n")
    with pytest.raises(InvalidFiles) as caught:
        load_config(path)
    [error] = caught.value.errors
    assert error.message == f"the shows folder {tmp_path / 'nowhere'} does not exist"
    assert error.column == 8


def test_a_missing_venue_file(tmp_path):
    with pytest.raises(InvalidFiles) as caught:
        load_config(tmp_path / "venue.yaml")
    assert caught.value.lines == [f"{tmp_path / 'venue.yaml'}:1:1: file not found"]


def test_an_invalid_venue_still_reports_the_shows_errors(tmp_path):
    path = venue_with(tmp_path, show="id: s\ncues: [{id: '1', at: x}]\n")
    path.write_text(path.read_text().replace("timezone: Europe/Paris", "timezone: Mars"))
    with pytest.raises(InvalidFiles) as caught:
        load_config(path)
    assert [(e.path.name, e.line) for e in caught.value.errors] == [
        ("venue.yaml", 2), ("show.yaml", 2)]  # by path: config/ before shows/


def test_a_missing_schedule_file_is_an_empty_schedule_unless_named(tmp_path):
    path = venue_with(tmp_path)
    (tmp_path / "config" / "schedule.yaml").unlink()
    assert load_config(path).schedule == Schedule()
    path.write_text(path.read_text() + "schedule: hours.yaml\n")
    with pytest.raises(InvalidFiles, match=r"hours\.yaml:1:1: file not found"):
        load_config(path)


def test_the_demo_passwords_in_the_docs_open_the_sample_users(sample):
    from showctl.web.auth import verify_password

    docs = (ROOT / "docs" / "show-files.md").read_text()
    for user in sample.venue.web.users:
        password = f"{user.name}-demo"
        assert f"`{user.name}` / `{password}`" in docs
        assert verify_password(user.password_hash, password)
        assert not verify_password(user.password_hash, password + "x")


def test_the_docs_name_every_key_of_the_three_files():
    import re

    from showctl import model
    from showctl.model.venue import ApiToken

    docs = (ROOT / "docs" / "show-files.md").read_text()
    classes = [getattr(model, name) for name in model.__all__] + [ApiToken]
    missing = [
        f"{cls.__name__}.{field.alias or name}"
        for cls in classes
        for name, field in cls.model_fields.items()
        if name != "source"
        and f"`{field.alias or name}`" not in docs
        and not re.search(rf"\b{field.alias or name}:", docs)
    ]
    assert missing == []


def test_unquoted_numbers_in_text_fields_stay_as_written(tmp_path):
    venue_path = venue_with(tmp_path, show="""\
        id: s
        title: 2026
        cues:
          - {id: 7.10, at: 0, lights: {cue: 7.10}}
          - {id: 7.1, at: 1.50, lights: {cue: 0o7, fade: 1.50}, name: 1e3}
          - {id: 0x1F, at: 2, hold: true}
        """)
    show = load_config(venue_path).shows["s"]
    assert show.title == "2026"
    assert [c.id for c in show.cues] == ["7.10", "7.1", "0x1F"]
    assert [c.lights.cue for c in show.cues[:2]] == ["7.10", "0o7"]
    assert show.cues[1].name == "1e3"
    assert show.cues[1].at == 1.5 and type(show.cues[1].at) is float
    assert show.cues[1].lights.fade == 1.5 and type(show.cues[1].lights.fade) is float


def test_a_shared_show_id_is_reported_even_when_one_file_has_another_error(tmp_path):
    path = venue_with(tmp_path, show="id: dup\ncues:\n  - {id: '1', at: 0, hold: yes}\n")
    (tmp_path / "shows" / "b.yaml").write_text("id: dup\ncues: [{id: '1', at: 0}]\n")
    messages = [(e.path.name, e.line, e.message) for e in rejected(load_config(path))]
    assert ("b.yaml", 1, "show id 'dup' is also used by show.yaml (line 1): "
            "each show needs its own id") in messages
    assert ("show.yaml", 1, "show id 'dup' is also used by b.yaml (line 1): "
            "each show needs its own id") in messages
    assert any(name == "show.yaml" and line == 3 for name, line, _ in messages)


def rejected(config):
    return sorted(e for errors in config.rejected.values() for e in errors)
