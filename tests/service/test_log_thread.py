"""`showctl run` writes its log lines from a thread of their own: a journal that stalls
must not hold the loop, where every cue leaves from (issue 12, point 4)."""

import logging
import os
import threading

from showctl.cli.run import setup_logging, stop_logging

LINES = 1000  # 200 KB: far more than a pipe holds (64 KB)


def test_logging_returns_at_once_while_nobody_reads_the_log_and_nothing_is_lost():
    read_fd, write_fd = os.pipe()
    stream = os.fdopen(write_fd, "w", buffering=1)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    got: list[str] = []
    try:
        setup_logging("text", False, stream)
        done = threading.Event()

        logger = logging.getLogger("tests.log_thread")  # not under `showctl`, which
        logger.setLevel(logging.INFO)  # `showctl play` turns down to warnings

        def chatter() -> None:
            for n in range(LINES):
                logger.info("line %d %s", n, "x" * 190)
            done.set()

        threading.Thread(target=chatter, daemon=True).start()
        returned = done.wait(20.0)  # the pipe is full long before: only a queue returns

        def drain() -> None:  # the journal reads again
            with os.fdopen(read_fd, "r") as reader:
                for text in reader:
                    got.append(text)
                    if f"line {LINES - 1} " in text:
                        return

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        reader.join(30.0)
        assert returned, "a log call waited for the reader of the log"
        numbers = [int(t.split("line ")[1].split()[0]) for t in got if "line " in t]
        assert numbers == list(range(LINES))  # all of them, in order
    finally:
        stop_logging()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        stream.close()
