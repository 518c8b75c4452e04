"""For every test: an exception that escaped into the event loop fails it.

pytest-timeout's signal is raised in whatever Python code runs at that moment. When that
is a task (a dispatcher spinning for ever), the task dies, the test goes on and can pass:
two did, at 120 s each, hiding a frozen loop. asyncio reports such an exception through
its logger ("Task exception was never retrieved", "Exception in callback"), so a test
after which it said so fails, naming what it said.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest


class _Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def nothing_escapes_the_loop() -> Iterator[None]:
    said = _Said()
    logger = logging.getLogger("asyncio")
    logger.addHandler(said)
    try:
        yield
        gc.collect()  # a task's lost exception is told when the task is collected
    finally:
        logger.removeHandler(said)
    if said.records:
        first = said.records[0]
        detail = first.exc_info[1] if first.exc_info else ""
        pytest.fail(f"{len(said.records)} error(s) escaped into the event loop; the first: "
                    f"{first.getMessage()} {detail!r}", pytrace=False)
