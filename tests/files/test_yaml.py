"""YAML as an operator means it: 1.2 scalars, duplicate keys refused, positions kept."""

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from showctl.files.yamlsrc import YamlProblem, parse

from .helpers import errors


def doc(text: str):
    return parse(text, Path("f.yaml"))


def test_yaml_1_1_traps_stay_what_was_written():
    d = doc("times: [10:30, 9:05]\nname: no\nflag: on\nday: 2026-12-25\nn: 010\nx: 1e3\n")
    assert d.data == {
        "times": ["10:30", "9:05"],
        "name": "no",
        "flag": "on",
        "day": "2026-12-25",
        "n": 10,
        "x": 1000.0,
    }


def test_core_schema_scalars_and_explicit_strings():
    d = doc("a: true\nb: ~\nc:\nd: 0x1f\ne: -2.5\nf: !!str 10\ng: '7'\nh: .inf\n")
    assert d.data == {
        "a": True, "b": None, "c": None, "d": 31, "e": -2.5, "f": "10", "g": "7",
        "h": float("inf"),
    }


def test_positions_of_values_and_keys_are_one_based():
    d = doc("cues:\n  - id: a\n    at: 5\n")
    assert d.values[("cues", 0, "at")] == (3, 9)
    assert d.keys[("cues", 0, "at")] == (3, 5)
    assert d.where(("cues", 0, "missing", "deeper")) == (2, 5)


def test_duplicate_key_is_an_error_naming_both_lines():
    d = doc("id: a\ntitle: x\nid: b\n")
    assert [str(e) for e in d.errors] == ["f.yaml:3:1: duplicate key 'id' (first on line 1)"]
    assert d.data["id"] == "a"


def test_syntax_error_points_at_the_problem():
    with pytest.raises(YamlProblem) as caught:
        doc("id: a\ntitle: 1\n b: 2\n")
    assert str(caught.value) == (
        "f.yaml:3:3: YAML syntax: mapping values are not allowed in this context")


def test_an_unclosed_bracket_or_quote_is_reported_where_it_opened():
    cases = {
        "id: a\ncues:\n  - id: 1\n    at: 0\n    play: {media: x.mp4\n    hold: true\n":
            "f.yaml:5:11: YAML syntax: this `{` is never closed (the parser gave up at line 6, "
            "column 9: did not find expected ',' or '}')",
        "id: a\ncues: [1, 2\nx: 3\n":
            "f.yaml:2:7: YAML syntax: this `[` is never closed (the parser gave up at line 3, "
            "column 2: did not find expected ',' or ']')",
        "id: 'a\nx: 3\n": "f.yaml:1:5: YAML syntax: this quote is never closed (the file ends)",
    }
    for text, message in cases.items():
        with pytest.raises(YamlProblem) as caught:
            doc(text)
        assert str(caught.value) == message


def test_tab_indentation_says_use_spaces():
    for text, where in [("id: a\ncues:\n\t- id: 1\n", "3:1"), ("a: 1\n  \tb: 2\n", "2:3")]:
        with pytest.raises(YamlProblem) as caught:
            doc(text)
        assert str(caught.value) == (
            f"f.yaml:{where}: tabs are not allowed for indentation in YAML; use spaces")


def test_aliases_expand_but_an_alias_bomb_is_refused():
    d = doc("a: &x {fade: 2}\nb: *x\n")
    assert d.data == {"a": {"fade": 2}, "b": {"fade": 2}}
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 8):
        bomb += f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 10) + "]\n"
    with pytest.raises(YamlProblem, match="more than 1,000,000 values"):
        doc(bomb)


def test_merge_keys_are_refused_at_the_key():
    d = doc("base: &b {fade: 2}\nblack:\n  <<: *b\n")
    assert [str(e) for e in d.errors] == [
        "f.yaml:3:3: merge keys (<<) are not supported: write the keys out"
    ]


def test_a_cue_named_no_at_10_30_in_a_show_file(tmp_path):
    from showctl.files.loader import load_config

    from .helpers import venue_with

    path = venue_with(tmp_path, show="""\
        id: s
        cues:
          - {id: no, at: 10:30, name: no}
        """)
    cue = load_config(path).shows["s"].cues[0]
    assert (cue.id, cue.at, cue.name) == ("no", 630.0, "no")


def test_duplicate_key_in_a_show_rejects_the_file(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - id: a
            at: 1
            at: 2
        """) == ["show.yaml:5:5: duplicate key 'at' (first on line 4)"]


def test_anchors_as_keys_and_scalars_and_unknown_or_recursive_aliases():
    assert doc("a: &k name\n*k : 3\nb: *k\n").data == {"a": "name", "name": 3, "b": "name"}
    with pytest.raises(YamlProblem, match=r"f\.yaml:2:5: unknown alias \*nope"):
        doc("a: 1\nb: [*nope]\n")
    with pytest.raises(YamlProblem, match=r"f\.yaml:1:8: an alias refers to itself"):
        doc("a: &x [*x]\n")


def test_one_document_per_file():
    with pytest.raises(YamlProblem, match=r"f\.yaml:2:1: one document per file"):
        doc("a: 1\n---\nb: 2\n")


def test_control_characters_are_located():
    with pytest.raises(YamlProblem) as caught:
        doc("a: 1\nb: x\x00y\n")
    assert str(caught.value) == "f.yaml:2:5: character #x0000 is not allowed in a YAML file"


def test_a_byte_order_mark_is_fine():
    assert doc("\ufeffa: 1\n").data == {"a": 1}


# Text PyYAML's (YAML 1.1) dumper would leave unquoted yet YAML 1.2 reads as a number
# (`1e3`, `0o17`, `08`: not a 1.1 octal, so left plain) is left out: there the two
# versions truly differ.
_TEXT = st.text(alphabet="abcdfghijklmnpqrstuvwxyz0123456789 :-_./{}'\"#é", max_size=12).filter(
    lambda t: not re.fullmatch(r"-?0[0-9]*[89][0-9]*", t))
_SCALARS = (
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=False, allow_infinity=True, width=64) | _TEXT
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_TEXT | st.integers(0, 99), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(data=_DATA, flow=st.booleans())
def test_what_pyyaml_writes_reads_back_the_same(data, flow):
    text = yaml.safe_dump({"root": data}, default_flow_style=flow, allow_unicode=True)
    d = doc(text)
    assert d.data == {"root": data}
    assert d.errors == []
    assert all(line >= 1 and column >= 1 for line, column in d.values.values())
