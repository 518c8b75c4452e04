"""The Room panel in Debian's chromium at a tablet's and a phone's size (issue 15): the
self-check's verdict and findings after Check now, who may check and power the room, and
the alerts sent, each arriving live from the controller."""

from __future__ import annotations

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from tests.support import free_port
from tests.web.rig import open_rig
from tests.web.test_browser import log_in
from tests.web.test_operator import page  # noqa: F401  (the fixture: tablet and phone)

# The session's one chromium (tests/web/conftest.py) lives on the session's loop.
pytestmark = pytest.mark.asyncio(loop_scope="session")

@pytest_asyncio.fixture(loop_scope="session")
async def room(tmp_path):
    """The rig with one more device, which never answers: the check is NOT READY. It has
    a mac (wake-on-LAN to 127.0.0.1 only): the room has something to power."""
    silent = {"id": "wall", "kind": "osc", "host": "127.0.0.1", "port": free_port(),
              "mac": "02:00:00:00:00:01"}
    rig = await open_rig(tmp_path, extra_devices=[silent], venue={
        "wake_on_lan": {"address": "127.0.0.1", "port": free_port()}})
    yield rig
    await rig.close()


async def log_out(tab: Page) -> None:
    await tab.click("#logout")
    await tab.wait_for_url("**/login")


async def test_check_now_shows_what_is_not_ready_and_by_whom(room, page):  # noqa: F811
    await log_in(page, room.url, "operator")
    await expect(page.locator("#online")).to_contain_text("9/9 screens online")
    verdict = page.locator("#check-verdict")
    await expect(verdict).to_have_text("Not checked yet")
    check = page.locator("[data-cmd=check]")
    await expect(check).to_be_enabled()
    await check.click()
    await expect(verdict).to_have_text("NOT READY")
    findings = page.locator("#check-findings li")
    await expect(findings).to_have_count(1)
    await expect(findings.first).to_have_text("wall: not answering")
    await expect(findings.first).to_be_visible()
    await expect(page.locator("#check-when")).to_contain_text("by web:operator")
    await expect(check).to_have_text("Check now")
    await expect(page.locator(".room-check .control-error")).to_be_hidden()
    await room.controller.check(by="osc 127.0.0.1")  # another face checks: shown live
    await expect(page.locator("#check-when")).to_contain_text("by osc 127.0.0.1")


async def test_viewers_cannot_check_only_admins_power(room, page):  # noqa: F811
    check = page.locator("[data-cmd=check]")
    buttons = page.locator("#power-buttons")
    await log_in(page, room.url, "viewer")
    await expect(check).to_be_disabled()
    await expect(buttons).to_be_hidden()
    await log_out(page)
    await log_in(page, room.url, "operator")
    await expect(check).to_be_enabled()
    await expect(buttons).to_be_hidden()
    await log_out(page)
    await log_in(page, room.url, "admin")
    await expect(check).to_be_enabled()
    off = page.locator("[data-cmd=power-off]")
    await expect(page.locator("[data-cmd=power-on]")).to_be_visible()
    await expect(off).to_be_enabled()
    await off.click()  # the first tap only arms it, as Stop does
    await expect(off).to_have_text("Tap again to power off")
    assert room.controller.status()["power"]["last"] is None
    await off.click()
    await expect(page.locator("#power-state")).to_contain_text("off since")
    await expect(page.locator("#power-last")).to_contain_text("power off by web:admin, done")
    await expect(off).to_have_text("Power off")


async def test_alert_deliveries_arrive_live_with_the_failures_reason(room, page):  # noqa: F811
    await log_in(page, room.url, "viewer")
    alerts = page.locator("#alerts li")
    await expect(alerts).to_have_text(["No alerts sent"])
    room.controller.record_alert(target="ntfy://ntfy.example/room", title="Self-check: NOT READY",
                                 kinds=["check"], status="sent", error=None, attempt=1)
    room.controller.record_alert(target="mailto://av@example.org", title="Show missed",
                                 kinds=["missed"], status="failed",
                                 error="connection refused", attempt=4)
    await expect(alerts).to_have_count(2)
    newest = alerts.first  # the newest on top
    await expect(newest).to_have_class("failed")
    await expect(newest).to_contain_text("Show missed")
    await expect(newest).to_contain_text("FAILED after 4 attempt(s): connection refused")
    await expect(newest).to_be_visible()
    await expect(alerts.nth(1)).to_contain_text("Self-check: NOT READY")
    await expect(alerts.nth(1)).to_contain_text("sent")
    await expect(page.locator("#log li.error").first).to_contain_text("connection refused")
