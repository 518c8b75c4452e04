"""The worker's files arrive whole: what `FileReader` (the service's reader: a worker
process, its result unpacked on the loop a slice at a time) gives is what `load_config`
reads, a big show's cues in order, rejected files and all."""

from __future__ import annotations

import asyncio

from showctl.files.loader import LastGood, load_config
from showctl.files.offloop import CHUNK, FileReader
from tests.support import SMALL_SHOW, write_config


async def test_the_worker_reads_what_load_config_reads(tmp_path) -> None:
    big = {"id": "big", "title": "Big", "cues": [
        {"id": str(n), "at": n / 10, "name": f"cue {n}", "lights": {"cue": "5", "fade": 1}}
        for n in range(5 * CHUNK + 3)]}
    path = write_config(tmp_path, shows=[SMALL_SHOW, big])
    (tmp_path / "shows" / "draft.yaml").write_text("id: draft\ncues: [\n")  # rejected
    here = load_config(path)
    reader = FileReader()
    try:
        turns = 0

        async def count() -> None:
            nonlocal turns
            while True:
                await asyncio.sleep(0)
                turns += 1

        counting = asyncio.ensure_future(count())
        there = await asyncio.wait_for(reader(path, LastGood()), 60)
        counting.cancel()
    finally:
        reader.close()
    assert there.shows == here.shows and list(there.shows["big"].cues) == list(
        here.shows["big"].cues)
    assert there.shows["big"].length == here.shows["big"].length
    assert there.venue == here.venue and there.schedule == here.schedule
    assert there.rejected == here.rejected and there.show_paths == here.show_paths
    assert turns > 0  # the loop went on meanwhile
