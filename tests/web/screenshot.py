"""Takes docs/dashboard.png: the sample Normandy show, mid-show, on simulated screens.

Run: .venv/bin/python -m tests.web.screenshot [OUTPUT.png [WIDTHxHEIGHT [full]]]
(docs/: dashboard.png at 1280x800, dashboard-tablet.png at 1024x768, dashboard-phone.png
at 390x844 full page.)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from playwright.async_api import async_playwright, expect

from showctl.core.clock import FakeClock
from tests.support import free_port
from tests.web.conftest import PASSWORDS
from tests.web.rig import CHROMIUM_ARGS, open_rig

ROOT = Path(__file__).resolve().parents[2]
MID_SHOW = 5 * 60 + 20.0  # Pointe du Hoc: cliffs on one side of the ring, sea on the other


def todays_schedule(tz: str) -> dict:
    now = datetime.now(ZoneInfo(tz))
    start = now.replace(hour=10, minute=0, second=0, microsecond=0)
    slots = [start + timedelta(minutes=30 * n) for n in range(16)]
    today = [{"at": s.isoformat(), "show": "normandy-100-days", "title": "Normandy's 100 Days",
              "status": "done" if s < now else "due",
              "outcome": "completed" if s < now else None} for s in slots]
    upcoming = [e for e in today if e["status"] == "due"]
    return {"next": upcoming[0] if upcoming else None, "today": today[-8:]}


async def main(out: Path, width: int = 1280, height: int = 800, full: bool = False) -> None:
    show = yaml.safe_load((ROOT / "shows" / "normandy-100-days.yaml").read_text())
    clock = FakeClock(monotonic=time.monotonic(), wall=time.time())
    with tempfile.TemporaryDirectory() as tmp:
        sample = yaml.safe_load((ROOT / "config" / "venue.yaml").read_text())
        # heartbeats come in real time while the fake clock jumps 5 minutes: a long
        # timeout keeps the screens online through the jump, as they would be
        osc = {"listen": f"127.0.0.1:{free_port()}", "heartbeat_timeout": 3600}
        venue = {k: sample[k] for k in ("venue", "groups", "safe_look")}
        # the sample's devices (the sound too), each on a free loopback port
        venue["devices"] = [{**d, "host": "127.0.0.1", "port": free_port()}
                            for d in sample["devices"]]
        rig = await open_rig(Path(tmp), shows=[show], clock=clock, venue={**venue, "osc": osc})
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path="/usr/bin/chromium",
                                                   args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={"width": width, "height": height})
                await page.goto(f"{rig.url}/login")
                await page.fill("input[name=name]", "operator")
                await page.fill("input[name=password]", PASSWORDS["operator"])
                await page.click("button[type=submit]")
                # every device online first, or GO would ask to confirm
                await expect(page.locator("#online .dev.off")).to_have_count(0, timeout=10_000)
                await expect(page.locator("#ring g.screen[data-online=true]")).to_have_count(
                    9, timeout=10_000)
                await page.select_option("#show-picker", "normandy-100-days")
                await page.click("[data-cmd=load]")
                await page.click("[data-cmd=go]")
                await clock.advance(show["preroll"] + MID_SHOW)
                # the scheduler's news also brings a fresh status after the clock's jump
                rig.controller.set_schedule_info(todays_schedule("Europe/Paris"))
                screens = page.locator("#ring g.screen[data-online=true]")
                await expect(screens).to_have_count(9, timeout=10_000)
                await expect(page.locator("#state")).to_have_text("running")
                await rig.controller.check(by="web:operator")  # the Room panel's verdict
                await page.click("#cue-list li[data-cue='9']")
                await page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top
                await page.screenshot(path=str(out), full_page=full)
                await browser.close()
        finally:
            await rig.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    size = sys.argv[2].split("x") if len(sys.argv) > 2 else ("1280", "800")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard.png"
    asyncio.run(main(out, int(size[0]), int(size[1]), full=sys.argv[3:4] == ["full"]))
