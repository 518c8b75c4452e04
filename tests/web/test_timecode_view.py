"""The dashboard shows the timecode (issue 24): the chase's source, locked / freewheel /
lost and the offset, and each output's state, as a viewer's chromium draws them."""

from __future__ import annotations

import asyncio
import socket

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.support import free_port
from tests.web.rig import open_rig
from tests.web.test_browser import WAIT, log_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser):
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    tab = await context.new_page()
    tab.set_default_timeout(WAIT)
    yield tab
    await context.close()


def arttimecode(frames: int) -> bytes:  # Art-Net 4 layout, 25 fps (Type 1)
    s, f = divmod(frames, 25)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return b"Art-Net\x00\x00\x97\x00\x0e" + bytes([0, 0, f, s, m, h, 1])


async def test_the_chase_and_the_outputs_are_shown(tmp_path, page):
    tc_in, tc_out = free_port(), free_port()
    room = await open_rig(tmp_path, venue={"timecode": {
        "outputs": [{"kind": "artnet", "host": "127.0.0.1", "port": tc_out}],
        "input": {"kind": "artnet", "port": tc_in, "freewheel_frames": 5}}})
    master = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        await log_in(page, room.url, "viewer")
        chase, out = page.locator("#chase"), page.locator("#timecode-out")
        await expect(chase).to_contain_text(f"Chasing artnet 127.0.0.1:{tc_in} · WAITING")
        await expect(out).to_contain_text(f"artnet 25 fps → 127.0.0.1:{tc_out}: off")
        room.controller.load("ring", by="test")
        frame = 10 * 25
        loop = asyncio.get_running_loop()
        end = loop.time() + 20
        while room.controller.status()["timecode"]["input"]["state"] != "locked":
            assert loop.time() < end, "never locked"
            master.sendto(arttimecode(frame), ("127.0.0.1", tc_in))
            frame += 1
            await asyncio.sleep(0.04)
        for _ in range(25):  # a second of code: the status pushes catch it locked
            master.sendto(arttimecode(frame), ("127.0.0.1", tc_in))
            frame += 1
            await asyncio.sleep(0.04)
        await expect(chase).to_contain_text("LOCKED · 00:00:")
        await expect(chase).to_contain_text("offset")
        await expect(out).to_contain_text("running 00:00:")
        await expect(chase).to_contain_text("LOST")  # the master went silent
        await expect(chase).to_have_attribute("data-state", "lost")
    finally:
        master.close()
        await room.close()
