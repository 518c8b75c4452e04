"""The phone layout in Debian's chromium at 390x844 (issue 22, point 6): GO, Pause, Stop,
Hold and PANIC stay at the same places (bounding boxes measured) while the show loads,
runs, cue names change and wrap, and a warning comes and goes; all of them on screen
without scrolling; a long title wraps and never hides a control. At the tablet's size
the fade field's placeholder is readable whole."""

from __future__ import annotations

import re

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.web.rig import open_rig
from tests.web.test_browser import log_in

pytestmark = pytest.mark.asyncio(loop_scope="session")
PHONE = {"width": 390, "height": 844}
LONG = "Into the Storm: the crossing of the Channel on the night of the fifth of June"
SHOW = {"id": "storm", "title": LONG, "preroll": 0.2, "cues": [
    {"id": "1", "at": 0, "name": "Sky", "screens": "all", "play": {"media": "sky_{screen}.mp4"}},
    {"id": "2", "at": 1.0, "name": "The fleet leaves Portsmouth harbour under a low grey "
     "sky, thousands of ships", "screens": "all", "play": {"media": "fleet_{screen}.mp4"}},
    {"id": "3", "at": 2.0, "name": "Dawn", "screens": "all", "play": {"media": "d_{screen}.mp4"}},
    {"id": "4", "at": 60, "name": "End", "screens": "all", "black": {"fade": 0}}]}
SPINNER = 24  # px: chromium's spin buttons inside a number field
CONTROLS = {"GO": "[data-cmd=go]", "Pause": "[data-cmd=pause]", "Stop": "[data-cmd=stop]",
            "Hold": ".controls [data-cmd=hold]", "PANIC": "#panic"}


@pytest_asyncio.fixture(loop_scope="session")
async def rig(tmp_path):
    rig = await open_rig(tmp_path, shows=[SHOW])
    yield rig
    await rig.close()


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser):
    context = await browser.new_context(viewport=PHONE, has_touch=True)
    tab = await context.new_page()
    tab.set_default_timeout(8000)
    yield tab
    await context.close()


async def boxes(page: Page) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for name, selector in CONTROLS.items():
        box = await page.locator(selector).bounding_box()
        assert box, f"{name} is not shown"
        found[name] = (round(box["x"]), round(box["y"]), round(box["width"]),
                       round(box["height"]))
        x, y, w, h = found[name]
        assert x >= 0 and x + w <= PHONE["width"] and y >= 0 and y + h <= PHONE["height"], \
            f"{name} {found[name]} is not on screen without scrolling"
        assert w >= 44 and h >= 44, f"{name} {found[name]} is too small for a thumb"
    return found


async def test_the_controls_stay_put_while_the_show_runs_and_warnings_come_and_go(rig, phone):
    page, ctl = phone, rig.controller
    await log_in(page, rig.url, "operator")
    idle = await boxes(page)
    ctl.load("storm", by="test")
    await expect(page.locator("#state")).to_have_text("loaded")
    assert await boxes(page) == idle
    title = page.locator("#show-title")
    await expect(title).to_have_text(LONG)  # whole, wrapped: not cut
    assert await title.evaluate("e => e.scrollWidth <= e.clientWidth")
    ctl.go(by="test")
    seen = []
    for cue in ("1", "2", "3"):  # a short name, one that wraps over lines, a short one
        await expect(page.locator("#current-cue")).to_have_text(re.compile(rf"^{cue} "))
        seen.append(await boxes(page))
    ctl.set_schedule_info({"next": {"at": "2026-12-08T23:59:00+01:00", "show": "storm",
                                    "title": "Storm", "warning": "23:59 Storm will be "
                                    "skipped: it is still running then (ends 23:59:30): Stop "
                                    "it before 23:59 to let it start, or Hold schedule"}})
    await expect(page.locator("#forecast")).to_be_visible()
    seen.append(await boxes(page))
    ctl.set_schedule_info({"next": None})
    await expect(page.locator("#forecast")).to_be_hidden()
    seen.append(await boxes(page))
    assert all(b == idle for b in seen), (idle, seen)
    # the dock covers nothing for good: the page scrolls to its foot above it
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    logout = await page.locator("#logout").bounding_box()
    dock = await page.locator(".controls").bounding_box()
    assert logout and dock and logout["y"] + logout["height"] <= dock["y"]
    assert await boxes(page) == idle


async def test_the_fade_placeholder_is_readable_on_a_tablet(rig, browser: Browser):
    context = await browser.new_context(viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    try:
        await log_in(page, rig.url, "operator")
        room = await page.locator("#fade").evaluate("""e => {
            const s = getComputedStyle(e), c = document.createElement("canvas").getContext("2d");
            c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
            const inner = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return [c.measureText(e.placeholder).width, inner]; }""")
        assert room[0] + SPINNER <= room[1], room  # beside chromium's spin buttons
    finally:
        await context.close()
