"""HD decode on one player (issue 23 point 4): 1920x1080 H.264 at 25 and 50 fps, played in
real time by Debian's mpv with the player's own arguments (showctl/player/mpv.py), as
"Normandy's 100 Days" archive film is played on each of nine screens.

Clips: ffmpeg's testsrc2 (moving, detailed) encoded with libx264 (High profile, yuv420p,
~10 Mbit/s, a keyframe every 2 s), 20 s each. Per clip and `--hwdec` mode: frames shown,
frames dropped by the output (`frame-drop-count`), by the decoder
(`decoder-frame-drop-count`), late (`vo-delayed-frame-count`), and the mpv process's CPU
(user + system over wall, 100 % = one core). `--vo=null`: the decode and the frame timing
are real, the drawing is not (no GPU here); `--vo=gpu` under Xvfb with Mesa's software
renderer is given once to show what drawing in software would add.

Run: flock /tmp/cpu.lock .venv/bin/python bench/hd_decode.py   (~2 min)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from showctl.player.mpv import BASE_ARGS, KIND_ARGS

SECONDS = 20
CACHE = Path(os.environ.get("BENCH_DIR", "/var/tmp")) / "showctl-hd-clips"
TICK = os.sysconf("SC_CLK_TCK")


def clip(fps: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"hd_{fps}.mp4"
    if not path.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size=1920x1080:rate={fps}:duration={SECONDS}",
                        "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p",
                        "-preset", "medium", "-b:v", "10M", "-maxrate", "12M", "-bufsize", "20M",
                        "-g", str(2 * fps), str(path)], check=True)
    return path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def play(path: Path, vo: list[str], hwdec: str, wrap: list[str]) -> dict[str, object]:
    """Plays `path` once in real time; at its end (mpv holds the last frame: keep-open)
    the counters are read, then mpv quits."""
    ours, theirs = socket.socketpair()
    args = [a for a in BASE_ARGS if a not in ("--pause", "--idle=yes")]
    proc = subprocess.Popen(
        [*wrap, "mpv", *args, *KIND_ARGS["screen"], *vo, "--ao=null", f"--hwdec={hwdec}",
         f"--input-ipc-client=fd://{theirs.fileno()}", str(path)],
        pass_fds=(theirs.fileno(),), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs.close()
    names = ("frame-drop-count", "decoder-frame-drop-count", "vo-delayed-frame-count",
             "estimated-frame-number", "hwdec-current")
    reader = ours.makefile("rb")
    ours.settimeout(SECONDS + 60)

    def send(*command: object) -> None:
        ours.sendall(json.dumps({"command": list(command)}).encode() + b"\n")

    send("observe_property", 1, "eof-reached")
    mpv_pid, cpu0, wall0, got = None, 0.0, 0.0, {}
    for line in reader:
        message = json.loads(line)
        if message.get("event") == "playback-restart" and mpv_pid is None:
            mpv_pid = mpv_process(proc.pid)
            cpu0, wall0 = cpu_seconds(mpv_pid), time.monotonic()
        elif message.get("event") == "property-change" and message.get("data") is True:
            if mpv_pid is not None:
                got["cpu"] = (cpu_seconds(mpv_pid) - cpu0) / (time.monotonic() - wall0)
            for n, name in enumerate(names, 10):
                ours.sendall(json.dumps({"command": ["get_property", name],
                                         "request_id": n}).encode() + b"\n")
        elif message.get("request_id", 0) >= 10:
            got[names[message["request_id"] - 10]] = message.get("data")
            if len(got) == len(names) + 1:
                break
    send("quit")
    ours.close()
    proc.wait(30)
    return got


def mpv_process(pid: int) -> int:
    """mpv itself (xvfb-run starts it as a grandchild)."""
    todo = [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}/comm").read_text().strip() == "mpv":
            return current
        children = Path(f"/proc/{current}/task/{current}/children")
        todo += [int(c) for c in children.read_text().split()] if children.exists() else []
    return pid


def main() -> None:
    print(f"HD decode, {SECONDS} s clips, 1920x1080 H.264 High ~10 Mbit/s; "
          f"{os.cpu_count()} cores ({cpu_name()}); load before {loadavg()}")
    runs = [(fps, ["--vo=null"], hwdec, [], "vo=null") for fps in (25, 50)
            for hwdec in ("no", "auto")]
    if shutil.which("xvfb-run"):
        for fps in (25, 50):
            runs.append((fps, ["--vo=gpu", "--gpu-context=x11egl"], "no",
                         ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"], "vo=gpu (llvmpipe)"))
    with tempfile.TemporaryDirectory():
        for fps, vo, hwdec, wrap, label in runs:
            got = play(clip(fps), vo, hwdec, wrap)
            frames = got.get("estimated-frame-number", 0)
            print(f"  {fps} fps  {label:<24} hwdec={hwdec:<4} (in use: "
                  f"{got.get('hwdec-current') or 'no'})  frames {frames}/{fps * SECONDS}  "
                  f"dropped vo {got.get('frame-drop-count', 0)}  decoder "
                  f"{got.get('decoder-frame-drop-count', 0)}  late "
                  f"{got.get('vo-delayed-frame-count', 0)}  CPU "
                  f"{100 * float(got.get('cpu', 0.0)):.0f} % of a core   load {loadavg()}")


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
