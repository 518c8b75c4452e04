"""YAML read the way an operator means it, with the line and column of every value.

PyYAML resolves plain scalars by YAML 1.1: `10:30` becomes 630, `no` becomes False,
and a repeated key silently wins. We read libyaml's event stream and build the data
ourselves with the YAML 1.2 core schema, refuse duplicate keys, and remember where each
value and each key sits so validation can point at the offending node. Events rather
than `yaml.compose`: no node objects and no YAML 1.1 resolver, about 4x faster, which a
10,000-cue show needs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from showctl.files.document import Document, Loc, YamlProblem
from showctl.files.errors import FileError

__all__ = ["Document", "Loc", "YamlProblem", "parse", "scalar"]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")
_SPECIAL_START = frozenset("0123456789+-.~nNtTfF")
# What a file may be (issue 10): bounds far above any real show (a 10,000-cue show is
# 1.2 MB, ~87,000 values, 5 levels deep) that keep a hostile or broken file from
# stalling the loader for minutes or taking gigabytes.
MAX_BYTES = 8 * 1024 * 1024
MAX_NODES = 1_000_000  # values, aliases counted at their full size
MAX_DEPTH = 32  # nested mappings and lists
MAX_NUMBER = 32  # characters of a plain number (a longer one is a typo, or an attack)


def parse(text: str, path: Path) -> Document:
    """The document in `text`; duplicate keys land in `errors`.

    Raises YamlProblem on a syntax error, which makes the rest of the file unreadable.
    """
    doc = Document(path, None)
    loader = _Loader(text)
    try:
        _Builder(doc).run(loader.get_event)
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(_syntax_error(exc, text, path)) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        message = f"character #x{exc.character:04x} is not allowed in a YAML file"
        raise YamlProblem(FileError(path, line, column, message)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(FileError(path, 1, 1, f"YAML syntax: {exc}")) from None
    finally:
        loader.dispose()
    return doc


class WrittenInt(int):
    """An int that remembers how it was written: `str()` gives the text back, so a field
    that wants text gets `0o7`, not `7` (pydantic's number-to-text coercion uses str)."""

    text: str

    def __new__(cls, value: int, text: str | None = None) -> WrittenInt:
        number = super().__new__(cls, value)
        number.text = str(value) if text is None else text
        return number

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


class WrittenFloat(float):
    """A float that remembers how it was written: `7.10` stays "7.10" as text."""

    text: str

    def __new__(cls, value: float, text: str | None = None) -> WrittenFloat:
        number = super().__new__(cls, value)
        number.text = repr(float(value)) if text is None else text
        return number

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


_OPENED = {"flow mapping": "{", "flow sequence": "[", "quoted scalar": "quote"}


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: Path) -> FileError:
    """A syntax error where the operator must look: a tab where it is, an unclosed `{`,
    `[` or quote where it opened (with where the parser gave up)."""
    problem, context = exc.problem or "", exc.context or ""
    mark, start = exc.problem_mark or exc.context_mark, exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    tab = _indenting_tab(text, line - 1)
    if tab is not None:
        return FileError(path, line, tab + 1,
                         "tabs are not allowed for indentation in YAML; use spaces")
    opened = next((what for key, what in _OPENED.items() if context.endswith(key)), None)
    if opened and start is not None and (start.line, start.column) != (line - 1, column - 1):
        what = f"this {opened}" if opened == "quote" else f"this `{opened}`"
        why = "the file ends" if problem.endswith("end of stream") else (
            f"the parser gave up at line {line}, column {column}: {problem}")
        return FileError(path, start.line + 1, start.column + 1,
                         f"YAML syntax: {what} is never closed ({why})")
    return FileError(path, line, column, f"YAML syntax: {problem or context or 'not valid YAML'}")


def _indenting_tab(text: str, line: int) -> int | None:
    """The column of a tab in the leading whitespace of `line` (0-based), if any."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return None
    row = lines[line]
    indent = row[: len(row) - len(row.lstrip(" \t"))]
    return indent.index("\t") if "\t" in indent else None


def scalar(value: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema: only these become non-strings.

    Numbers keep their text (`str(7.10)` is "7.10"), for the fields that want text."""
    if value and value[0] not in _SPECIAL_START:
        return value  # the common case, a word: no pattern can match
    if len(value) > MAX_NUMBER and (_INT.match(value) or _FLOAT.match(value)
                                    or _OCT.match(value) or _HEX.match(value)):
        raise _TooLong(f"a number of {len(value)} digits: at most {MAX_NUMBER} characters "
                       "(write text in quotes)")
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return WrittenInt(int(value), value)
    if _OCT.match(value):
        return WrittenInt(int(value[2:], 8), value)
    if _HEX.match(value):
        return WrittenInt(int(value[2:], 16), value)
    if _FLOAT.match(value):
        return WrittenFloat(float(value), value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


class _TooLong(ValueError):
    """A plain number too long to be meant as one."""


class _Skip:
    """Stands for a key whose value is read but dropped (a duplicate, a merge key)."""


class _Frame:
    __slots__ = ("anchor", "container", "key", "loc", "start")

    def __init__(self, container: Any, loc: Loc, anchor: str | None, start: int) -> None:
        self.container = container
        self.loc = loc
        self.key: Any = _NO_KEY
        self.anchor = anchor
        self.start = start


_NO_KEY = object()


class _Builder:
    """Events to plain data, positions alongside; aliases share the anchored value."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.count = 0  # values, aliases counted at their full size

    def run(self, get_event: Any) -> None:
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                plain = not event.style and event.tag is None
                try:
                    value = scalar(event.value) if plain else event.value
                except _TooLong as exc:
                    raise self._problem(event, str(exc)) from None
                if self._wants_key():
                    self._key(value, event, merge=plain and value == "<<")
                else:
                    self._value(value, event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if self._wants_key():
                    raise self._problem(event, "a key must be a word or a number")
                if len(self.stack) >= MAX_DEPTH:
                    raise self._problem(event, f"nested more than {MAX_DEPTH} levels deep")
                container: Any = {} if kind is yaml.MappingStartEvent else []
                loc = self._value(container, event)
                self.stack.append(_Frame(container, loc, event.anchor, self.count))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = self.stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.container, self.count - frame.start)
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._problem(event, "one document per file: remove this `---`")
            elif kind is yaml.StreamEndEvent:
                return

    def _wants_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].key is _NO_KEY and isinstance(
            self.stack[-1].container, dict)

    def _key(self, key: Any, event: Any, *, merge: bool = False) -> None:
        frame = self.stack[-1]
        where = (event.start_mark.line + 1, event.start_mark.column + 1)
        loc = (*frame.loc, key)
        if merge:
            self.doc.errors.append(self._error(event, "merge keys (<<) are not supported: "
                                               "write the keys out"))
            frame.key = _Skip()
        elif loc in self.doc.keys:
            first = self.doc.keys[loc][0]
            self.doc.errors.append(self._error(event, f"duplicate key {key!r} (first on line "
                                               f"{first})"))
            frame.key = _Skip()
        else:
            self.doc.keys[loc] = where
            frame.key = key

    def _value(self, value: Any, event: Any) -> Loc:
        """Places `value` in its parent; returns its data path."""
        self.count += 1
        if self.count > MAX_NODES:
            raise self._problem(event, f"more than {MAX_NODES:,} values (aliases expand to "
                                "their full size): split the file, or write fewer aliases")
        if not self.stack:
            loc: Loc = ()
            self.doc.data = value
        else:
            frame = self.stack[-1]
            parent = frame.container
            if isinstance(parent, list):
                loc = (*frame.loc, len(parent))
                parent.append(value)
            else:
                loc = (*frame.loc, frame.key)
                if not isinstance(frame.key, _Skip):
                    parent[frame.key] = value
                frame.key = _NO_KEY
        self.doc.values[loc] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if getattr(event, "anchor", None) is not None and not isinstance(value, dict | list):
            self.anchors[event.anchor] = (value, 1)
        return loc

    def _alias(self, event: Any) -> None:
        if any(frame.anchor == event.anchor for frame in self.stack):
            raise self._problem(event, "an alias refers to itself")
        if event.anchor not in self.anchors:
            raise self._problem(event, f"unknown alias *{event.anchor}")
        value, size = self.anchors[event.anchor]
        if self._wants_key():
            if isinstance(value, dict | list):
                raise self._problem(event, "a key must be a word or a number")
            self._key(value, event)
            return
        self.count += size - 1
        self._value(value, event)

    def _error(self, event: Any, message: str) -> FileError:
        mark = event.start_mark
        return FileError(self.doc.path, mark.line + 1, mark.column + 1, message)

    def _problem(self, event: Any, message: str) -> YamlProblem:
        return YamlProblem(self._error(event, message))
