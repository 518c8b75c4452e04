"""Errors the core gives its faces; each face shows `str(error)` as its message."""


class CommandError(Exception):
    """A command refused with a reason a user can act on (wrong state, unknown cue...).

    Nothing of the command was applied. Faces answer it as an error: an OSC error
    reply, HTTP 409/400, a CLI line on stderr.
    """

    status = 409


class NotFound(CommandError):
    """A show, cue or device that does not exist."""

    status = 404


class BadArgument(CommandError):
    """An argument of the wrong form (a time that does not parse...)."""

    status = 400
