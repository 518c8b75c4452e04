"""A restart mid-show as the operator sees it, in Debian's chromium at a tablet's and a
phone's size (issue 22, point 1): after a service stop (SIGTERM's path: the run state's
shutdown record) and after a kill (the record of the last transport change), the banner
names the show, where it stood (time, cue), what was done and what to do, with the
button for it; the Events list of before the restart is shown again after it."""

from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from showctl.history import History
from showctl.runstate import RunState
from showctl.web import WebServer
from tests.web.rig import RING_SHOW, open_rig
from tests.web.test_browser import log_in
from tests.web.test_operator import page, recorded  # noqa: F401  (the page fixture)

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The ring show with its cue 3 late: on the real clock cue 2 then lasts 29.5 s, not 0.5 s,
# so a page that updates while a loaded machine holds the browser back still sees it.
RESTART_SHOW = {**RING_SHOW, "cues": [
    {**cue, "at": 30} if cue["id"] == "3" else cue for cue in RING_SHOW["cues"]]}


class Restartable:
    """The rig with a history; `restart()` closes the history and the dashboard and opens
    new ones on the same state folder, recovering the run state as `showctl run` does."""

    def __init__(self, rig) -> None:
        self.rig, self.controller = rig, rig.controller
        self.path = rig.root / "var" / "history.sqlite3"
        self.history: History | None = None

    async def open(self) -> None:
        ctl = self.controller
        self.history = History(self.path, ctl.bus, ctl.clock, "Europe/Paris")
        await self.history.start()
        RunState(ctl).recover()
        await self.rig.web.stop()
        self.rig.web = WebServer(ctl, self.history)
        await self.rig.web.start()

    async def restart(self) -> None:
        assert self.history is not None
        await self.rig.web.stop()
        await self.history.stop()
        await self.open()


@pytest_asyncio.fixture(loop_scope="session")
async def room(tmp_path):
    rig = await open_rig(tmp_path, shows=[RESTART_SHOW])
    room = Restartable(rig)
    await room.open()
    yield room
    await rig.web.stop()
    assert room.history is not None
    await room.history.stop()
    await rig.close()


async def play_to_cue_2(room: Restartable, page: Page) -> RunState:  # noqa: F811
    ctl = room.controller
    state_file = RunState(ctl)
    state_file.start()
    await log_in(page, room.rig.url, "operator")
    ctl.start("ring", by="web:operator")
    await expect(page.locator("#current-cue")).to_have_text(re.compile(r"^2 "), timeout=8000)
    await recorded(state_file, "running")
    return state_file


async def test_after_a_service_stop_the_banner_says_where_and_cues_it_up(room, page: Page):  # noqa: F811
    state_file = await play_to_cue_2(room, page)
    await expect(page.locator("#log")).to_contain_text("cue 2")
    ctl = room.controller
    assert state_file.shutdown(handover=False) is not None  # as Service.stop does
    ctl.panic(by="shutdown", interrupted="the controller was shut down")
    await room.restart()
    await page.reload()
    banner = page.locator("#restart")
    await expect(banner).to_contain_text(re.compile(
        r"during Ring test show \(running, at 0:0\d\.\d{3}, cue 2 'Panorama'\): the show "
        r"was stopped \(screens black, safe look\)\. To go on: Load it, Seek to cue 2, then GO\."))
    # what happened before the restart is still listed, and the restart itself
    log = page.locator("#log")
    await expect(log).to_contain_text("cue 2 Panorama")
    await expect(log).to_contain_text("restarted after a service stop during ring")
    cue_up = banner.locator("[data-cmd=cue-up]")
    await cue_up.click()
    await expect(page.locator("#state")).to_have_text("loaded")
    await expect(page.locator("#current-cue")).to_have_text(re.compile(r"^2 "))
    await expect(cue_up).to_be_hidden()


async def test_after_a_kill_the_banner_says_about_where(room, page: Page):  # noqa: F811
    state_file = await play_to_cue_2(room, page)
    record = state_file.read()
    ctl = room.controller
    ctl.panic(by="test")
    await recorded(state_file, "idle")
    state_file.stop()
    state_file.path.write_text(json.dumps(record))  # what the kill left on disk
    await room.restart()
    await page.reload()
    await expect(page.locator("#restart")).to_contain_text(re.compile(
        r"\(running, at about 0:\d\d\.\d{3}, cue \d+ '[^']+'\): screens black, safe look\. "
        r"To go on: Load it, Seek to cue \d+, then GO\."))
