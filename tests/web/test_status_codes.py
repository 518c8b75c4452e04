"""The core's refusals are kinds, not HTTP numbers: the web face maps them (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from showctl import errors
from showctl.files.errors import FileError, InvalidFiles
from showctl.web.security import http_status


class _Gone(errors.NotFound):
    """A refusal of the core's own, more specific than NotFound."""


@pytest.mark.parametrize(("exc", "code"), [
    (errors.CommandError("cannot go while idle"), 409),
    (errors.NotFound("no show 'x'"), 404),
    (_Gone("no cue 7"), 404),
    (errors.BadArgument("not a time"), 400),
    (errors.Forbidden("not from here"), 403),
    (InvalidFiles([FileError(path=Path("a.yaml"), line=1, column=1, message="bad")]), 400),
])
def test_each_refusal_has_its_http_status(exc: errors.CommandError, code: int) -> None:
    assert http_status(exc) == code


def test_the_lowest_layer_knows_no_protocol_numbers() -> None:
    for cls in (errors.CommandError, errors.NotFound, errors.BadArgument, errors.Forbidden,
                InvalidFiles):
        assert "status" not in vars(cls)
