"""Feeds a person can read, in Debian's chromium at a tablet's and a phone's size (issue
22, point 4): History shows a self-check as a check with its findings (not as a show
that never ends); a room with nothing to power says so and offers no power buttons. (A
burst of mismatches as one line on screen: tests/web/test_operator.py::
test_a_screen_blacked_behind_the_controllers_back_is_marked.)"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.web.rig import open_rig
from tests.web.test_browser import log_in
from tests.web.test_operator import page  # noqa: F401  (the page fixture)
from tests.web.test_restart_view import room  # noqa: F401  (a rig with a history)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_history_shows_a_check_as_a_check_with_its_findings(room, page: Page):  # noqa: F811
    await log_in(page, room.rig.url, "operator")
    ctl = room.controller
    assert (await ctl.check(by="web:operator")).ready
    row = page.locator("#history tbody tr").first
    cells = row.locator("td")
    await expect(cells.nth(1)).to_have_text("self-check")
    await expect(cells.nth(2)).to_have_text("web:operator")
    await expect(cells.nth(5)).to_have_text("READY")
    ctl.engine.devices.went_offline("screen3", ctl.clock.time(), "test")  # as liveness does
    assert not (await ctl.check(by="schedule")).ready
    await expect(cells.nth(2)).to_have_text("schedule")
    await expect(cells.nth(5)).to_have_text(re.compile(r"^NOT READY: screen3: "))
    await expect(page.locator("#history tbody")).not_to_contain_text("running")


async def test_nothing_to_power_says_so_and_offers_no_buttons(room, page: Page):  # noqa: F811
    """The rig has no projector and no PC with a mac: "UNKNOWN" and Power on/off for an
    admin used to be what it showed."""
    await log_in(page, room.rig.url, "admin")
    await expect(page.locator("#power-state")).to_have_text("no power control")
    await expect(page.locator("#power-reason")).to_have_text(
        "nothing to power: the venue has no PJLink projector and no PC with a mac address "
        "for wake-on-LAN")
    await expect(page.locator("#power-buttons")).to_be_hidden()


async def test_an_offline_projector_shows_what_it_said_as_last_known(tmp_path, page: Page):  # noqa: F811
    """Issue 22: "proj1 OFFLINE (on, …)" read as if it were on."""
    from tests.support import free_port

    device = {"id": "proj1", "kind": "projector", "host": "127.0.0.1", "port": free_port(),
              "profile": "pjlink"}  # the rig's simulator answers for it (PJLink on TCP)
    rig = await open_rig(tmp_path, extra_devices=[device], venue={
        "osc": {"heartbeat_timeout": 1.0}})
    projector = rig.sim.projectors["proj1"]
    try:
        await log_in(page, rig.url, "viewer")
        line = page.locator("#online [data-device=proj1]")
        await expect(line).to_have_text(re.compile(r"^proj1 online \((off|on)"))
        await projector.stop()
        await expect(line).to_have_text(re.compile(r"^proj1 OFFLINE \(last known: (off|on)"),
                                        timeout=20000)
    finally:
        await rig.close()
