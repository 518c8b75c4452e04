"""The schedule's warnings give advice that works, worked out from the real times (issue
22, point 2): the cases an operator met, each checked against what the runner then does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from showctl.model.schedule import Policy
from showctl.scheduling.forecast import forecast
from tests.scheduling.room import LONG, NIGHT, open_schedule
from tests.scheduling.test_policies import skipped, warnings
from tests.support import SMALL_SHOW

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 5, 4, 10, 0, tzinfo=PARIS)
TITLE = "10:00 Small test show"


def told(state: str, *, remaining: float = 0.0, length: float = 0.0, time: float = 0.0,
         until: float, policy: Policy | None = None, held: bool = False) -> str | None:
    status = {"state": state, "schedule": {"held": held}, "remaining": remaining,
              "time": time, "show": {"id": "other", "title": "Into the Storm",
                                     "length": length, "preroll": 2.0}}
    return forecast(status, "small", TITLE, until, policy or Policy(), [], 4, at=START)


def test_a_loaded_show_too_long_to_play_first_is_not_advised_to_go():
    # 6:49 loaded 4:48 before the start: a GO would still be running at 10:00
    text = told("loaded", length=6 * 60 + 49, until=4 * 60 + 48)
    assert text is not None and "GO now to play it first" not in text
    assert text == (f"{TITLE} will replace the loaded Into the Storm: a GO now makes {TITLE} "
                    "skipped (Into the Storm lasts 6:51: it would end after 10:00); Hold schedule "
                    f"keeps Into the Storm and skips {TITLE}")
    short = told("loaded", length=60, until=4 * 60 + 48)  # it fits: then the advice is right
    assert short == (f"{TITLE} will replace the loaded Into the Storm (GO now to play it "
                     "first, or Hold schedule to keep it)")


def test_holding_longer_than_the_time_left_says_only_stop_lets_it_start():
    # holding with 4:57 left, 1:53 to the start: GO does not prevent the skip
    text = told("holding", remaining=4 * 60 + 57, until=60 + 53)
    assert text is not None and "press GO" not in text
    assert text == (f"{TITLE} will be skipped: Into the Storm is holding with 4:57 left, past "
                    "10:00 even if it went on now: only Stop before 10:00 lets "
                    f"{TITLE} start on time, or Hold schedule to skip it on purpose")
    queued = told("holding", remaining=4 * 60 + 57, until=60 + 53, policy=Policy(if_busy="queue"))
    assert queued is not None and queued.startswith(f"{TITLE} will start late, when it ends")


def test_holding_with_time_to_finish_says_how_long_go_may_wait():
    text = told("holding", remaining=60, until=4 * 60)
    assert text == (f"{TITLE} will be skipped: Into the Storm is holding (1:00 left): press GO "
                    "by 09:59:00 and it ends before 10:00, or Stop it, or Hold schedule to "
                    f"skip {TITLE} on purpose")
    paused = told("paused", remaining=60, until=4 * 60)
    assert paused is not None and "press Resume by 09:59:00" in paused


def test_running_past_the_start_says_when_it_ends_and_that_stop_is_the_way():
    text = told("running", remaining=7 * 60, time=30, until=4 * 60)
    assert text == (f"{TITLE} will be skipped: Into the Storm is still running then (ends "
                    "10:03:00): Stop it before 10:00 to let "
                    f"{TITLE} start, or Hold schedule to skip it on purpose")
    assert told("running", remaining=3 * 60, time=30, until=4 * 60) is None  # ends in time


def test_held_says_release():
    assert told("idle", until=60, held=True) == (
        f"{TITLE} will not run: the schedule is held (Release to let it run)")


async def test_the_advice_for_a_long_loaded_show_is_what_happens(tmp_path):
    """Loaded 5 min before, a 40 min show, GO anyway: the scheduled start is skipped, as
    the warning said it would be."""
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 55),
                                shows=[SMALL_SHOW, NIGHT, LONG])
    setup.controller.load("long", by="web:alice")
    await setup.clock.advance(1)
    warning = setup.controller.status()["schedule"]["next"]["warning"]
    assert warning == (f"{TITLE} will replace the loaded long: a GO now makes {TITLE} skipped "
                       "(long lasts 40:01: it would end after 10:00); Hold schedule keeps long "
                       f"and skips {TITLE}")
    setup.controller.go(by="web:alice")
    await setup.clock.advance(6 * 60)
    await setup.close()
    assert any("is still running then (ends 10:35:0" in w for w in warnings(setup))
    assert skipped(setup) == [("10:00", "long still running")]
