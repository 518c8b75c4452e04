"""Errors every layer may raise and every face shows as `str(error)`: the lowest layer,
so files, core and faces share them without importing each other."""


class UserError(Exception):
    """A problem the user can fix (a missing file, a bad argument, a port in use) at
    start-up or on the command line: printed as one line, exit code kept."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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


class Forbidden(CommandError):
    """A request from a source that may not make it (another host's heartbeat...)."""

    status = 403
