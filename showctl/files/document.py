"""A parsed file: its data, where each value and key was written, problems found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from showctl.files.errors import FileError

Loc = tuple[int | str, ...]
"""A data path: the keys and list indexes from the document root to a value."""


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
    """A file that cannot be read past this point (a syntax error): one error, no data."""

    def __init__(self, error: FileError) -> None:
        super().__init__(str(error))
        self.error = error
