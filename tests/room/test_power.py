"""The room's power sequence against PJLink projectors emulated on 127.0.0.1 and
wake-on-LAN packets caught on 127.0.0.1, on the injected clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from showctl.outputs.wol import magic_packet
from tests.room.rig import MACS, open_power_room

MONDAY = datetime(2026, 5, 4, 9, 0)


async def test_power_on_wakes_pcs_waits_through_warm_up_then_checks(tmp_path: Path) -> None:
    room = await open_power_room(tmp_path, {"shows": []}, MONDAY, runners=False)
    try:
        ctl = room.controller
        room.alive = True
        report = await room.drive(ctl.power_on(by="test"))
        assert report.ok, report.as_json()
        assert [s.device for s in report.steps] == ["screen1", "screen2", "proj1", "proj2"]
        assert room.wol.packets.count(magic_packet(MACS["screen1"])) == 3
        assert magic_packet(MACS["screen2"]) in room.wol.packets
        assert magic_packet("00:11:22:33:44:01")[:6] == b"\xff" * 6
        for sim in room.projectors.values():
            assert sim.power == "1" and "%1POWR 1" in sim.commands
        states = [d["state"] for _, kind, d in room.events if kind == "power"]
        assert states == ["waking", "on"]
        on_at = next(at for at, kind, d in room.events if kind == "power" and d["report"])
        assert on_at == "Mon 09:00"  # warm-up of 30 s: done within the same minute
        check = ctl.status()["check"]
        assert check is not None and check["by"] == "test"
        assert ctl.status()["power"]["state"] == "on"
    finally:
        await room.close()


async def test_a_projector_with_a_fault_and_one_that_hangs(tmp_path: Path) -> None:
    room = await open_power_room(tmp_path, {"shows": []}, MONDAY, runners=False,
                                 venue={"check": {"lamp_hours_max": 1000,
                                                  "warm_up_timeout": 60}})
    try:
        ctl = room.controller
        room.projectors["proj1"].fault("lamp", 2)
        room.projectors["proj2"].hang()
        room.alive = True
        report = await room.drive(ctl.power_on(by="test"))
        steps = {s.device: s for s in report.steps}
        assert not report.ok
        assert steps["proj1"].ok
        hung = room.projectors["proj2"].port
        assert not steps["proj2"].ok and f"projector 127.0.0.1:{hung}" in steps["proj2"].message
        check = ctl.status()["check"]
        found = {(f["device"], f["message"]) for f in check["findings"]}
        assert ("proj1", "projector reports a lamp error") in found
        assert ("proj1", "lamp at 1234 h (venue limit 1000 h): replace it") in found
        assert any(d == "proj2" and m.startswith("projector not answering") for d, m in found)
        assert check["ready"] is False
    finally:
        await room.close()


async def test_power_off_brings_the_show_to_the_safe_look_then_projectors_off(
        tmp_path: Path) -> None:
    room = await open_power_room(tmp_path, {"shows": []}, MONDAY, runners=False)
    try:
        ctl = room.controller
        for sim in room.projectors.values():
            sim._target, sim._since = "1", room.clock.monotonic() - 100  # already on
        ctl.start("small", by="test")
        await room.clock.advance(1.5)
        assert ctl.state == "running"
        report = await room.drive(ctl.power_off(by="test"))
        assert report.ok, report.as_json()
        assert ctl.state == "idle"
        runs = [d for _, kind, d in room.events if kind == "run" and d["event"] == "end"]
        assert runs[-1]["outcome"] == "stopped"
        for sim in room.projectors.values():
            assert sim.power in ("2", "0") and "%1POWR 0" in sim.commands
    finally:
        await room.close()
