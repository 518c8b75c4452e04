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

    Nothing of the command was applied. Faces answer it as an error, each in its own
    terms (an OSC error reply; the web's status codes live in `showctl/web/`; a CLI line
    on stderr): the kind of refusal is the class, never a protocol's number.
    """


class NotFound(CommandError):
    """A show, cue or device that does not exist."""


class BadArgument(CommandError):
    """An argument of the wrong form (a time that does not parse...)."""


class Forbidden(CommandError):
    """A request from a source that may not make it (another host's heartbeat...)."""
