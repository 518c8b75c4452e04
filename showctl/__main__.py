"""`python -m showctl` and the `showctl` command: Ctrl-C while the modules still load
(about 0.3 s) ends quietly too, not with a traceback."""

from __future__ import annotations

import sys


def entry() -> int:
    try:
        from showctl.cli import main
    except KeyboardInterrupt:
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(entry())
