"""The dashboard in Debian's chromium, driven by Playwright, against a live room."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, expect

from tests.support import free_port
from tests.web.conftest import PASSWORDS
from tests.web.rig import RING_SHOW, open_rig

WAIT = 8000  # ms: generous, the machine is shared


# The session's one chromium (tests/web/conftest.py) lives on the session's loop.
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def rig(tmp_path):
    room = await open_rig(tmp_path)
    yield room
    await room.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser):
    """A fresh tab in a fresh context (no cookies of another test): a tablet set to another
    time zone than the venue's (Europe/Paris)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 860},
                                        timezone_id="America/New_York")
    tab = await context.new_page()
    tab.set_default_timeout(WAIT)
    yield tab
    await context.close()


async def log_in(page: Page, url: str, name: str) -> None:
    await page.goto(url)
    await expect(page).to_have_url(f"{url}/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORDS[name])
    await page.click("button[type=submit]")
    await expect(page.locator("#user-role")).to_contain_text(name)
    await expect(page.locator("#venue")).to_have_text("test-room")  # the first status came


async def test_wrong_password_stays_on_the_login_page(rig, page):
    await page.goto(f"{rig.url}/login")
    await page.fill("input[name=name]", "operator")
    await page.fill("input[name=password]", "not-it")
    await page.click("button[type=submit]")
    await expect(page.locator(".error")).to_have_text("Wrong name or password.")


async def test_operator_plays_a_show_on_the_ring(rig, page):
    await log_in(page, rig.url, "operator")
    screens = page.locator("#ring g.screen")
    await expect(screens).to_have_count(9)
    for n in range(9):  # the simulated screens' heartbeats arrive
        await expect(screens.nth(n)).to_have_attribute("data-online", "true")
    await expect(page.locator("#online")).to_have_text("9/9 screens online  ·  lights online")
    state = page.locator("#state")
    await page.select_option("#show-picker", "ring")
    await page.click("[data-cmd=load]")
    await expect(state).to_have_text("loaded")
    await expect(page.locator("#cue-list li")).to_have_count(4)
    await page.click("[data-cmd=go]")
    await expect(state).to_have_text("running")
    screen1 = page.locator("#ring [data-device=screen1]")
    screen5 = page.locator("#ring [data-device=screen5]")
    await expect(screen1).to_have_attribute("data-state", "playing")
    await expect(screen1.locator(".screen-media")).to_have_text("front")
    await expect(screen5.locator(".screen-media")).to_have_text("pano")
    await expect(screen5.locator("title")).to_contain_text("pano_5.mp4 — playing, online")
    await expect(page.locator("#current-cue")).to_contain_text("Front")
    await expect(page.locator("#next-cue")).to_contain_text("End")
    await expect(page.locator("[data-cmd=resume]")).to_be_disabled()
    await page.click("[data-cmd=pause]")
    await expect(state).to_have_text("paused")
    await expect(screen5).to_have_attribute("data-state", "paused")
    await page.click("[data-cmd=resume]")
    await expect(state).to_have_text("running")
    await page.fill("#fade", "0.5")
    await page.click("[data-cmd=stop]")
    await page.click("[data-cmd=stop]")  # Stop asks twice (issue 13)
    await expect(state).to_have_text("idle")
    await expect(screen5).to_have_attribute("data-state", "black")
    assert rig.sim.devices["screen5"].as_json()["state"] == "black"
    await page.click("[data-cmd=load]")
    await page.click("[data-cmd=go]")
    await expect(screen5).to_have_attribute("data-state", "playing")
    await page.click("#panic")
    await expect(state).to_have_text("idle")
    await expect(screen5).to_have_attribute("data-state", "black")


async def test_operator_picks_a_cue_to_seek_and_fire(rig, page):
    await log_in(page, rig.url, "operator")
    await page.click("[data-cmd=load]")
    await page.click("[data-cmd=go]")
    await expect(page.locator("#state")).to_have_text("running")
    await page.click("[data-cmd=pause]")
    await page.click("#timeline .marker.group")  # cues 1-3 are closer than a finger
    await page.click("#group-pick [data-choice='3']")
    await page.click("[data-cmd=seek-cue]")
    await expect(page.locator("#current-cue")).to_contain_text("3")
    await expect(page.locator("#elapsed")).to_have_text("0:01.0")
    await page.click("#timeline .marker[data-cue='4']")
    await page.click("[data-cmd=fire-cue]")
    screen2 = page.locator("#ring [data-device=screen2]")
    await expect(screen2).to_have_attribute("data-state", "black")


async def test_a_viewer_sees_but_cannot_press(rig, page):
    rig.controller.load("ring", by="test")
    await log_in(page, rig.url, "viewer")
    await expect(page.locator("#state")).to_have_text("loaded")
    for cmd in ("go", "stop", "load", "hold"):
        buttons = page.locator(f"[data-cmd={cmd}]")  # hold: the schedule's and the warning's
        for n in range(await buttons.count()):
            await expect(buttons.nth(n)).to_be_disabled()
    await expect(page.locator("#panic")).to_be_disabled()
    status = await page.evaluate("""async () => {
        const me = await (await fetch('/api/me')).json();
        const res = await fetch('/api/transport/go', {method: 'POST',
            headers: {'X-CSRF-Token': me.csrf}});
        return res.status; }""")
    assert status == 403
    assert rig.controller.state == "loaded"


async def test_reconnects_after_a_restart(rig, page):
    await page.clock.install()  # the page's time flows, and the test can move it on
    await log_in(page, rig.url, "operator")
    banner, state = page.locator("#offline"), page.locator("#state")
    elapsed = page.locator("#elapsed")
    await expect(banner).to_be_hidden()
    rig.controller.start("ring", by="test")
    await expect(state).to_have_text("running")
    await rig.web.stop()
    # disconnected: nothing shown is live, nothing can be pressed
    await expect(banner).to_be_visible()
    await expect(state).to_have_text("offline")
    await expect(state).to_have_attribute("title", "last known: running")
    for button in await page.locator("[data-cmd]").all():
        await expect(button).to_be_disabled()
    await expect(page.locator("#fade")).to_be_disabled()
    await expect(page.locator("#show-picker")).to_be_disabled()
    frozen = await elapsed.text_content()
    await page.clock.run_for(5_000)  # five seconds pass on the page: its clock stays put
    await expect(elapsed).to_have_text(frozen)
    await expect(state).to_have_text("offline")
    rig.controller.stop(0, by="test")
    await rig.restart_web()
    await expect(banner).to_be_hidden()
    await expect(state).to_have_text("idle")
    await page.click("[data-cmd=load]")  # still logged in, CSRF token still good
    await expect(state).to_have_text("loaded")
    await page.click("[data-cmd=go]")
    await expect(state).to_have_text("running")


async def test_a_silent_screen_is_shown_offline(tmp_path, page):
    osc = {"listen": f"127.0.0.1:{free_port()}", "allow": ["127.0.0.0/8"],
           "heartbeat_timeout": 2.0}
    room = await open_rig(tmp_path, venue={"osc": osc})
    try:
        await log_in(page, room.url, "viewer")
        screen4 = page.locator("#ring [data-device=screen4]")
        await expect(screen4).to_have_attribute("data-online", "true")
        await room.sim.stop()  # every simulated player goes silent
        await expect(screen4).to_have_attribute("data-online", "false")
        await expect(screen4.locator(".screen-state")).to_contain_text("OFFLINE")
        await expect(page.locator("#log")).to_contain_text("screen4 OFFLINE")
        await expect(page.locator("#online")).to_contain_text("0/9 screens online")
    finally:
        await room.close()


async def test_a_show_loaded_again_after_its_file_changed_is_drawn_anew(rig, page):
    await log_in(page, rig.url, "operator")
    await page.click("[data-cmd=load]")
    await expect(page.locator("#cue-list li")).to_have_count(4)
    changed = {**RING_SHOW, "cues": [*RING_SHOW["cues"][:3],
                                     {"id": "3.5", "at": 30, "name": "Added", "screens": "all",
                                      "black": {"fade": 0}}, RING_SHOW["cues"][3]]}
    (rig.root / "shows" / "ring.yaml").write_text(yaml.safe_dump(changed, sort_keys=False))
    assert await rig.controller.reload() == []
    await page.click("[data-cmd=load]")
    await expect(page.locator("#cue-list li")).to_have_count(5)
    await expect(page.locator("#cue-list")).to_contain_text("Added")


async def test_a_rejected_show_file_is_listed_with_its_error(rig, page):
    await log_in(page, rig.url, "operator")
    await expect(page.locator("#files")).to_be_hidden()
    draft = rig.root / "shows" / "draft.yaml"
    draft.write_text("id: draft\ncues:\n  - {id: '1', at: 0, screens: [12], black: {}}\n")
    [line] = await rig.controller.reload()
    await expect(page.locator("#files")).to_contain_text("draft.yaml rejected: 1 error(s)")
    await page.click("#files summary")
    await expect(page.locator("#files li")).to_have_text(line)
    draft.unlink()
    assert await rig.controller.reload() == []
    await expect(page.locator("#files")).to_be_hidden()


async def test_event_times_are_the_venues_not_the_tablets(rig, page):
    await log_in(page, rig.url, "operator")
    before = dt.datetime.now(ZoneInfo("Europe/Paris"))
    rig.controller.hold_schedule(by="test")
    line = page.locator("#log li", has_text="schedule held")
    await expect(line).to_have_count(1)
    after = dt.datetime.now(ZoneInfo("Europe/Paris"))
    shown = (await line.text_content()).split()[0]
    assert before.strftime("%H:%M:%S") <= shown <= after.strftime("%H:%M:%S"), shown
    await page.reload()  # the last events come again, before the status and its time zone
    await expect(page.locator("#log li", has_text="schedule held")).to_contain_text(shown)


LABEL_SHOW = {
    "id": "labels", "title": "Long media names", "preroll": 0.3,
    "cues": [
        {"id": "1", "at": 0, "name": "Dawn", "screens": [1, 2, 3],
         "play": {"media": "reel/01-channel-dawn_{screen}.mp4"}},
        {"id": "2", "at": 0, "name": "Word", "screens": [4, 5, 6],
         "play": {"media": "reel/02-supercalifragilisticexpialidocious_{screen}.mp4"}},
        {"id": "3", "at": 0, "name": "Day", "screens": [7, 8, 9],
         "play": {"media": "reel/03-the-longest-day-of-the-whole-year_{screen}.mp4"}},
        {"id": "4", "at": 60, "name": "End", "screens": "all", "black": {"fade": 1}},
    ],
}

# Each media name's box (SVG units, the ring's centre at 0,0), and the rings it must keep
# between: clear of the audience circle, inside the content colour band.
LABEL_BOXES = """() => [...document.querySelectorAll('#ring g.screen')].map((g) => {
    const b = g.querySelector('.screen-media').getBBox();
    const band = g.querySelector('.content');
    return {device: g.dataset.device, x: b.x, y: b.y, w: b.width, h: b.height,
            text: g.querySelector('.screen-media').textContent,
            title: g.querySelector('title').textContent,
            band: band ? Number(band.getAttribute('d').split(' ')[4])
                - Number(getComputedStyle(band).strokeWidth.replace('px', '')) / 2 : null,
            audience: Number(document.querySelector('#ring .audience').getAttribute('r'))};
})"""


@pytest.mark.parametrize("size", [(1280, 860), (768, 1024)])
async def test_media_names_fit_their_screens_segment(tmp_path, page, size):
    room = await open_rig(tmp_path, shows=[LABEL_SHOW])
    try:
        await page.set_viewport_size({"width": size[0], "height": size[1]})
        await log_in(page, room.url, "viewer")
        room.controller.start("labels", by="test")
        await expect(page.locator("#ring g.screen[data-state=playing]")).to_have_count(9)
        boxes = await page.evaluate(LABEL_BOXES)
    finally:
        await room.close()
    for b in boxes:
        assert f"{b['device'].removeprefix('screen')}.mp4" in b["title"] and "reel/0" in b["title"]
        corners = [(x, y) for x in (b["x"], b["x"] + b["w"]) for y in (b["y"], b["y"] + b["h"])]
        assert max(math.hypot(x, y) for x, y in corners) <= b["band"], b  # inside the band
        nearest = math.hypot(max(abs(b["x"] + b["w"] / 2) - b["w"] / 2, 0),
                             max(abs(b["y"] + b["h"] / 2) - b["h"] / 2, 0))
        assert nearest >= b["audience"], b  # clear of the audience circle
    for one, other in itertools.combinations(boxes, 2):  # no two names overlap
        apart = (one["x"] + one["w"] <= other["x"] or other["x"] + other["w"] <= one["x"]
                 or one["y"] + one["h"] <= other["y"] or other["y"] + other["h"] <= one["y"])
        assert apart, (one, other)
    texts = {b["device"]: b["text"] for b in boxes}
    assert [texts[f"screen{n}"] for n in (1, 2, 3)] == ["channel-dawn"] * 3  # whole
    for n in range(4, 10):  # too long: cut with an ellipsis, the whole name in the tooltip
        assert texts[f"screen{n}"].endswith("…") and len(texts[f"screen{n}"]) > 4, texts


TABLET_SHOW = {
    "id": "tablet", "title": "A show whose title is long enough to be cut on a tablet",
    "preroll": 0.3,
    "cues": [
        {"id": "1", "at": 0, "name": "House out, guide spot on", "lights": {"cue": "guide"}},
        *({"id": str(n), "at": 10 * n, "name": f"Scene {n} on every screen of the ring",
           "screens": "all", "play": {"media": f"scene{n}_{{screen}}.mp4"}} for n in range(2, 9)),
        {"id": "9", "at": 90, "name": "HOLD - guide speaks, GO when ready", "hold": True},
        {"id": "10", "at": 100, "name": "Guide steps aside", "hold": True},
        {"id": "11", "at": 110, "name": "Into the storm", "screens": "all",
         "play": {"media": "storm_{screen}.mp4"}},
        {"id": "12", "at": 120, "name": "End", "screens": "all", "black": {"fade": 1}},
    ],
}


async def test_a_next_start_on_another_day_says_which(rig, page):
    paris = ZoneInfo("Europe/Paris")
    tomorrow = (dt.datetime.now(paris) + dt.timedelta(days=1)).replace(hour=10, minute=0)
    rig.controller.set_schedule_info({"next": {"at": tomorrow.isoformat(), "show": "ring"},
                                      "today": []})
    await log_in(page, rig.url, "viewer")
    await expect(page.locator("#next-start")).to_contain_text("Next: tomorrow 10:00 ring, in ")
    later = tomorrow + dt.timedelta(days=3)
    rig.controller.set_schedule_info({"next": {"at": later.isoformat(), "show": "ring"},
                                      "today": []})
    # the tablet's own language for the date, e.g. "Sat, Nov 28" (en-US) or "sam. 28 nov."
    day = re.compile(rf"Next: {later:%a}\S* {later:%b} {later.day} 10:00 ring, in \d d \d+ h")
    await expect(page.locator("#next-start")).to_have_text(day)


async def test_on_a_tablet_in_portrait(tmp_path, page):
    """768x1024: who is logged in, the next start at the top, nothing cut or wrapped
    without an ellipsis, the cue list starting at a whole row, HOLD said once, an icon."""
    room = await open_rig(tmp_path, shows=[TABLET_SHOW])
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    try:
        await page.set_viewport_size({"width": 768, "height": 1024})
        at = dt.datetime.now(ZoneInfo("Europe/Paris")) + dt.timedelta(hours=1)
        room.controller.set_schedule_info({"next": {"at": at.isoformat(), "show": "tablet"},
                                           "today": []})
        await log_in(page, room.url, "viewer")
        await expect(page.locator("#user-role")).to_be_visible()
        await expect(page.locator("#user-role")).to_have_text("viewer — read only")
        strip = page.locator("#next-strip")
        await expect(strip).to_be_visible()
        today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
        day = "" if at.date() == today else "tomorrow "  # an hour on: tomorrow after 23:00
        await expect(strip).to_contain_text(f"Next: {day}{at:%H:%M} tablet, in ")
        assert (await strip.bounding_box())["y"] < 200  # at the top, not below the fold
        assert await page.evaluate("""() => {  // one line box: "Log out" does not wrap
            const range = document.createRange();
            range.selectNodeContents(document.getElementById('logout'));
            return range.getClientRects().length; }""") == 1
        picker = page.locator("#show-picker")
        assert await picker.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
        room.controller.load("tablet", by="test")
        await expect(page.locator("#cue-list li")).to_have_count(12)
        room.controller.seek("cue:11", by="test")  # near the end: the list cannot scroll further
        now = page.locator("#cue-list li.now")
        await expect(now).to_have_attribute("data-cue", "11")
        await expect(page.locator("#cue-list")).to_have_js_property("scrollTop", await now.evaluate(
            "e => e.offsetTop"))  # the current cue's row at the top: no scrap of the one above
        hold9 = page.locator("#cue-list li[data-cue='9']")
        await expect(hold9.locator(".name")).to_have_text("HOLD - guide speaks, GO when ready")
        hold10 = page.locator("#cue-list li[data-cue='10']")
        await expect(hold10.locator(".hold-badge")).to_have_text("HOLD")
        assert await page.locator("link[rel=icon]").get_attribute("href") == "/static/favicon.svg"
        icon = await page.request.get(f"{room.url}/static/favicon.svg")
        assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"
    finally:
        await room.close()
    assert missing == []


async def test_a_projector_is_online_by_its_own_answer_and_says_its_state(tmp_path, page):
    """The device line shows what a device that answers for itself said: here the
    simulated projector's PJLink status (power, lamp hours, a raised error flag)."""
    screens = [{"id": f"screen{i}", "kind": "screen", "index": i, "angle": (i - 1) * 40,
                "host": "127.0.0.1", "port": free_port()} for i in range(1, 10)]
    devices = [*screens, {"id": "lights", "kind": "lighting", "host": "127.0.0.1",
                          "port": free_port()},
               {"id": "proj1", "kind": "projector", "host": "127.0.0.1",
                "port": free_port(), "profile": "pjlink"}]
    room = await open_rig(tmp_path, venue={"devices": devices,
                                           "groups": {"front": ["screen1", "screen9"]}})
    try:
        await log_in(page, room.url, "operator")
        line = page.locator("#online")
        await expect(line).to_contain_text("proj1 online (off, lamp 1234 h)")
        room.sim.projectors["proj1"].fault("lamp", 2)
        await expect(line).to_contain_text("proj1 online (off, lamp error, lamp 1234 h)")
    finally:
        await room.close()
