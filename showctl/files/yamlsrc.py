"""YAML read the way an operator means it, with the line and column of every value.

PyYAML resolves plain scalars by YAML 1.1: `10:30` becomes 630, `no` becomes False,
and a repeated key silently wins. We compose the node tree and convert it ourselves
with the YAML 1.2 core schema, refuse duplicate keys, and remember where each value
and each key sits so validation can point at the offending node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from showctl.files.errors import FileError

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Loc = tuple[int | str, ...]
"""A data path: the keys and list indexes from the document root to a value."""

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")
_STR_TAG = "tag:yaml.org,2002:str"
_MAX_NODES = 2_000_000  # aliases can multiply a small file into a huge one


@dataclass
class Document:
    """A parsed file: plain Python data plus the position of every value and key."""

    path: Path
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The position of `loc`, or of its nearest ancestor that exists in the file."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc and loc not in self.values:
            loc = loc[:-1]
        return self.values.get(loc, (1, 1))  # an empty file has no nodes at all

    def error(self, loc: Loc, message: str, *, key: bool = False) -> FileError:
        line, column = self.where(loc, key=key)
        return FileError(self.path, line, column, message)


class YamlProblem(Exception):
    def __init__(self, error: FileError) -> None:
        super().__init__(str(error))
        self.error = error


def parse(text: str, path: Path) -> Document:
    """The document in `text`; duplicate keys land in `errors`.

    Raises YamlProblem on a syntax error, which makes the rest of the file unreadable.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlProblem(FileError(path, line, column, f"YAML syntax: {problem}")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(FileError(path, 1, 1, f"YAML syntax: {exc}")) from None
    doc = Document(path, None)
    if root is None:
        return doc
    converter = _Converter(doc, text)
    doc.data = converter.convert(root, ())
    return doc


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def scalar(value: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema: only these become non-strings."""
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


class _Converter:
    """Nodes to plain data; collects duplicate keys rather than stopping at the first."""

    def __init__(self, doc: Document, text: str) -> None:
        self.doc = doc
        self.text = text
        self.count = 0
        self.active: set[int] = set()

    def convert(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise YamlProblem(self._error(node, "the file expands to too many values (aliases?)"))
        self.doc.values[loc] = _pos(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.active:
            raise YamlProblem(self._error(node, "an alias refers to itself"))
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, (*loc, i)) for i, item in enumerate(node.value)]
            return self._mapping(node, loc)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        explicit_tag = self.text[node.start_mark.index : node.start_mark.index + 1] == "!"
        if not node.style and not explicit_tag:
            return scalar(node.value)
        return node.value

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.doc.errors.append(self._error(key_node, "a key must be a word or a number"))
                continue
            key = self._scalar(key_node)
            if key == "<<" and not key_node.style:
                self.doc.errors.append(
                    self._error(key_node, "merge keys (<<) are not supported: write the keys out")
                )
                continue
            if (*loc, key) in self.doc.keys:
                line = self.doc.keys[(*loc, key)][0]
                self.doc.errors.append(
                    self._error(key_node, f"duplicate key {key!r} (first on line {line})")
                )
                continue
            self.doc.keys[(*loc, key)] = _pos(key_node)
            result[key] = self.convert(value_node, (*loc, key))
        return result

    def _error(self, node: yaml.Node, message: str) -> FileError:
        line, column = _pos(node)
        return FileError(self.doc.path, line, column, message)
