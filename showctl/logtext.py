"""Log lines that say what came in without letting it speak (issue 21).

Names, addresses and reasons from the network reach log lines (an OSC address, a login
name, a projector's answer). A raw newline there forges a second log line; an ESC
sequence or a right-to-left override rewrites what a technician's terminal shows. Every
control and format character (Unicode categories Cc and Cf, also line and paragraph
separators) in a message is written as an escape (`\\x1b`, `\\u202e`, `\\n`), so one record
is one line of plain text. A message's own intended newlines (a traceback is not part of
the message) are escaped too: a journal line is one record. Installed as a filter on the
handlers of `showctl run` and every other command.
"""

from __future__ import annotations

import logging
import unicodedata

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """`text` with every control/format character escaped (printable text unchanged)."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if not c.isprintable() and _unsafe(c) else c for c in text)


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def _escaped(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


class EscapeControl(logging.Filter):
    """Merges a record's arguments into its message and escapes the result."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = escape(message)
        if safe is not message:
            record.msg, record.args = safe, None
        return True
