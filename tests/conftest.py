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


# The fast tier (`scripts/test --fast`): the unit and fake-clock tests, under a minute on
# the two-core machine; the full suite adds the real peers (mpv, chromium, qlcplus, olad,
# prometheus, services in processes of their own). A module joins the tier by its folder;
# the modules below start real processes or peers, so they stay in the full suite only.
FAST_FOLDERS = ("alerts", "codec", "core", "files", "foundation", "scheduling")
NOT_FAST = {
    "tests/core/test_cli.py",  # `showctl play` in a process on a terminal
    "tests/core/test_realtime.py",  # oscdump and nine screens on the real clock
    "tests/scheduling/test_cli.py",
    "tests/scheduling/test_realtime.py",
    "tests/foundation/test_cli_prompts.py",  # `showctl passwd` on a pseudo-terminal
    "tests/foundation/test_orphans.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks the fast tier: `-m fast` runs it alone."""
    root = config.rootpath
    for item in items:
        relative = item.path.relative_to(root).as_posix()
        parts = relative.split("/")
        if len(parts) > 2 and parts[1] in FAST_FOLDERS and relative not in NOT_FAST:
            item.add_marker(pytest.mark.fast)
