"""The Room panel's media line in Debian's chromium (tablet and phone sizes): each
player's needed / verified / missing / wrong / to go / free, from an agent's report, and
the admin's Sync media button (hidden for others)."""

from __future__ import annotations

import pytest
import pytest_asyncio
from playwright.async_api import expect

from showctl.model.media import MediaReport
from tests.web.rig import open_rig
from tests.web.test_browser import log_in
from tests.web.test_operator import page  # noqa: F401  (the fixture: tablet and phone)
from tests.web.test_room_panel import log_out

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def room(tmp_path):
    rig = await open_rig(tmp_path)
    yield rig
    await rig.close()


async def test_the_media_line_and_who_may_sync(room, page):  # noqa: F811
    needed = room.controller.media.needed()["screen1"]
    assert needed
    room.controller.media.report(MediaReport(
        device="screen1", files={n: "missing" for n in needed}, bytes_to_go=2_500_000,
        free_bytes=7_000_000_000))
    await log_in(page, room.url, "viewer")
    verdict = page.locator("#media-verdict")
    await expect(verdict).to_contain_text("NOT READY: 0/9 players hold every file verified")
    line = page.locator("#media-players li[data-device=screen1]")
    await expect(line).to_contain_text(
        f"screen1: NOT READY · needed {len(needed)} · verified 0 · missing {len(needed)} · "
        "wrong 0 · to go 2.5 MB · free 7000.0 MB · idle")
    await expect(page.locator("#media-players li[data-device=screen2]")).to_contain_text(
        "no agent")
    await expect(page.locator("#media-sync")).to_be_hidden()
    await expect(page.locator("#pattern-buttons")).to_be_hidden()
    await log_out(page)
    await log_in(page, room.url, "operator")
    await expect(page.locator("#media-sync")).to_be_hidden()
    await log_out(page)
    await log_in(page, room.url, "admin")
    button = page.locator("#media-sync")
    await expect(button).to_be_visible()
    before = room.controller.media_status("screen1")["players"][0]["requested"]
    await button.click()
    await expect(line).to_be_visible()
    room.controller.media.report(MediaReport(
        device="screen1", files={n: "verified" for n in needed}, free_bytes=7_000_000_000))
    await expect(line).to_contain_text("screen1: ready")
    await expect(page.locator("#pattern-buttons")).to_be_visible()
    await page.click("[data-pattern=grid]")
    await expect(page.locator("#log")).to_contain_text("test pattern grid on screen1")
    room.controller.load("ring", by="test")
    await page.click("[data-pattern=bars]")
    await expect(page.locator(".room-media .control-error")).to_contain_text("idle room")
    room.controller.panic(by="test")
    assert room.controller.media_status("screen1")["players"][0]["requested"] == before + 1
