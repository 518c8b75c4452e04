"""Validation errors as an operator reads them: `path:line:col: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from showctl.errors import CommandError


@dataclass(frozen=True, order=True)
class FileError:
    """One problem at one YAML node; line and column are 1-based."""

    path: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class InvalidFiles(CommandError):
    """Files rejected whole; `errors` holds every problem found in all of them.

    A CommandError so that any face (CLI, OSC reply, HTTP) shows it as a refusal
    with its lines rather than as an internal error.
    """

    def __init__(self, errors: list[FileError]) -> None:
        self.errors = sorted(set(errors), key=lambda e: (str(e.path), e.line, e.column, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple[type[InvalidFiles], tuple[list[FileError]]]:
        return InvalidFiles, (self.errors,)  # crosses to and from the loader's process

    @property
    def lines(self) -> list[str]:
        return [str(e) for e in self.errors]
