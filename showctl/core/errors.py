"""The core's refusals, as faces import them (defined in `showctl.errors`, the lowest
layer, so that the files' `InvalidFiles` is one of them without files importing the core)."""

from showctl.errors import BadArgument, CommandError, Forbidden, NotFound

__all__ = ["BadArgument", "CommandError", "Forbidden", "NotFound"]
