"""Media sync (SPEC 7.2, issue 23): throughput of each engine on the same path, and what a
sync does to cue timing.

The path: a library directory and a player's media directory on this machine's disk,
over loopback TCP. Files are random bytes (nothing compresses), read from the page cache
(this is a shared machine: the caches are not dropped), each copy fsynced.
  cp        shutil.copyfile + fsync: the raw copy of the same files, disk to disk
  tcp       the raw copy over the same loopback path: sendfile into a TCP socket, recv
            into the file, fsync (no HTTP, no hash): the ceiling of the network path
  curl      curl from showctl's own agent endpoint to a file, + fsync: raw HTTP
  showctl   the media agent (python -m showctl.player.mediasync): HTTP with the device's
            token, BLAKE3 of every byte, fsync, verify, rename
  rsync     rsync over SSH (sshd on a free loopback port, a throwaway key), whole files
            (a new destination: rsync's delta algorithm has nothing to reuse), --fsync

Timing: a 300-cue show over nine screens played by a Controller that also serves the
dashboard and the media files (as at a venue), once with no sync, once while one agent
pulls a large file at the venue's limit during a show (20 MB/s, niced, idle I/O class),
once unthrottled; nine receivers in another process stamp with SO_TIMESTAMPNS.

Run: flock /tmp/cpu.lock .venv/bin/python bench/media_sync.py [--mb 120]   (~1-2 min)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import SCREENS, figures, free_ports, make_show, receive
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import Config
from showctl.model import Device, Schedule, Venue
from showctl.model.media import MediaSettings
from showctl.model.venue import Web
from showctl.outputs.profiles import profile_for
from showctl.web.app import WebServer

FILES = 3


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def fsync_tree(path: Path) -> None:
    for file in path.rglob("*"):
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)


def venue_for(root: Path, ports: list[int], web_port: int, limit: float | None) -> Venue:
    return Venue(venue="bench", state_dir=root / "var", web=Web(listen=("127.0.0.1", web_port)),
                 media=MediaSettings(root=root / "library", limit_during_show=limit),
                 devices=tuple(Device(id=f"screen{n}", kind="screen", index=n, port=p)
                               for n, p in enumerate(ports, 1)))


async def agent(url: str, token: str, media: Path, root: Path) -> asyncio.subprocess.Process:
    token_file = root / f"token-{time.monotonic_ns()}"
    token_file.write_text(token)
    media.mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl.player.mediasync", "--url", url, "--device", "screen1",
        "--token-file", str(token_file), "--media", str(media), "--parent", str(os.getpid()),
        stderr=asyncio.subprocess.DEVNULL)


async def synced(controller: Controller, asked: int) -> None:
    done = asyncio.Event()
    controller.media.listeners.append(
        lambda r: done.set() if r.synced >= asked and r.state != "syncing" else None)
    await done.wait()


def start_sshd(root: Path) -> tuple[subprocess.Popen[bytes], list[str]] | None:
    sshd, keygen = shutil.which("sshd") or "/usr/sbin/sshd", shutil.which("ssh-keygen")
    if not Path(sshd).exists() or keygen is None or shutil.which("rsync") is None:
        return None
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
    keys = root / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)],
                       check=True)
    (keys / "authorized").write_text((keys / "client.pub").read_text())
    port = free_ports(1)[0]
    proc = subprocess.Popen([sshd, "-D", "-e", "-p", str(port), "-h", str(keys / "host"),
                             "-o", "ListenAddress=127.0.0.1", "-o", "StrictModes=no",
                             "-o", "UsePAM=no", "-o", f"AuthorizedKeysFile={keys}/authorized",
                             "-o", "PidFile=none", "-f", "/dev/null"],
                            stderr=subprocess.DEVNULL)
    ssh = ["ssh", "-p", str(port), "-i", str(keys / "client"), "-o", "BatchMode=yes",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "LogLevel=ERROR"]
    for _ in range(50):
        if subprocess.run([*ssh, "127.0.0.1", "true"], capture_output=True).returncode == 0:
            return proc, ssh
        time.sleep(0.1)
    proc.terminate()
    return None


def raw_tcp(library: Path, names: list[str], out: Path) -> None:
    out.mkdir()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def send() -> None:
        conn, _ = server.accept()
        with conn:
            for n in names:
                with open(library / n, "rb") as f:
                    conn.sendfile(f)

    sender = threading.Thread(target=send)
    sender.start()
    with socket.create_connection(("127.0.0.1", port)) as conn:
        buffer = bytearray(1 << 20)
        for n in names:
            left = (library / n).stat().st_size
            with open(out / n, "wb") as f:
                while left:
                    got = conn.recv_into(buffer, min(left, len(buffer)))
                    f.write(memoryview(buffer)[:got])
                    left -= got
                f.flush()
                os.fsync(f.fileno())
    sender.join()
    server.close()


async def throughput(root: Path, mb: int) -> None:
    library = root / "library"
    library.mkdir()
    names = [f"c{k}_1.mp4" for k in range(FILES)]
    for name in names:
        with open(library / name, "wb") as f:
            for _ in range(mb):
                f.write(os.urandom(1 << 20))
    total = FILES * mb * (1 << 20)
    ports, web_port = free_ports(SCREENS), free_ports(1)[0]
    show = make_show(FILES, (1.0, 1.0))
    venue = venue_for(root, ports, web_port, None)
    controller = Controller(Config(venue, {show.id: show}, {}, Schedule(),
                                   Path("schedule.yaml")), SystemClock())
    web = WebServer(controller)
    await web.start()
    rates: dict[str, float] = {}
    try:
        await controller.media.library(names)  # the library's hashes, once, beforehand

        def timed(name: str, run) -> None:
            start = time.perf_counter()
            run()
            rates[name] = total / (time.perf_counter() - start) / 1e6

        def cp() -> None:
            out = root / "cp"
            out.mkdir()
            for n in names:
                shutil.copyfile(library / n, out / n)
            fsync_tree(out)

        await asyncio.to_thread(timed, "cp", cp)
        await asyncio.to_thread(timed, "tcp", lambda: raw_tcp(library, names, root / "tcp"))
        token = controller.media.token("screen1")

        def curl() -> None:
            out = root / "curl"
            out.mkdir()
            for n in names:
                subprocess.run(["curl", "-sf", "-H", f"Authorization: Bearer {token}", "-o",
                                str(out / n), f"{web.url}/media/agent/screen1/file/{n}"],
                               check=True)
            fsync_tree(out)

        await asyncio.to_thread(timed, "curl", curl)
        process = await agent(web.url, token, root / "agent", root)
        await synced(controller, 0)  # its first check and report
        start = time.perf_counter()
        asked = controller.media_sync("screen1", by="bench")["screen1"]
        await synced(controller, asked)
        rates["showctl"] = total / (time.perf_counter() - start) / 1e6
        process.terminate()
        await process.wait()
        ssh = start_sshd(root)
        if ssh is not None:
            sshd, command = ssh

            def rsync() -> None:
                subprocess.run(["rsync", "-a", "--whole-file", "--fsync", "-e", " ".join(command),
                                f"{library}/", f"127.0.0.1:{root / 'rsync'}/"], check=True)

            try:
                await asyncio.to_thread(timed, "rsync", rsync)
            except subprocess.CalledProcessError:  # an rsync without --fsync (< 3.2.4)
                shutil.rmtree(root / "rsync", ignore_errors=True)

                def rsync_sync() -> None:
                    subprocess.run(["rsync", "-a", "--whole-file", "-e", " ".join(command),
                                    f"{library}/", f"127.0.0.1:{root / 'rsync'}/"], check=True)
                    fsync_tree(root / "rsync")

                await asyncio.to_thread(timed, "rsync", rsync_sync)
            sshd.terminate()
            sshd.wait()
    finally:
        await web.stop()
        await controller.close()
    print(f"throughput, {FILES} x {mb} MiB, page cache warm, each copy fsynced "
          f"(load before: {loadavg()})")
    for name, rate in rates.items():
        print(f"  {name:<8} {rate:8.1f} MB/s   {100 * rate / rates['cp']:5.1f} % of cp   "
              f"{100 * rate / rates['tcp']:5.1f} % of raw tcp")
    print(f"  showctl against curl (the same HTTP path without hashing): "
          f"{100 * rates['showctl'] / rates['curl']:.1f} %")


async def timing(root: Path, mb: int) -> None:
    library = root / "library"
    ports, web_port = free_ports(SCREENS), free_ports(1)[0]
    parent, child = mp.Pipe()
    proc = mp.Process(target=receive, args=(ports, child), daemon=True)
    proc.start()
    assert parent.poll(10) and parent.recv() == "ready"

    def collect():
        parent.send("flush")
        assert parent.poll(10)
        return parent.recv()

    show = make_show(300, (0.02, 0.06))
    big = library / "c0_1.mp4"
    if not big.exists():
        library.mkdir(exist_ok=True)
        with open(big, "wb") as f:
            for _ in range(mb * FILES):
                f.write(os.urandom(1 << 20))
    print(f"timing: {len(show.cues)} cues over {SCREENS} screens in {show.length:.1f} s; "
          f"the controller serves the dashboard and media; kernel stamps")
    lead = profile_for(Device(id="x", kind="screen", index=1, port=9)).lead
    print(f"error: each datagram's kernel stamp against its planned send time (the "
          f"profile sends bundles {lead * 1e3:.0f} ms ahead of the instant)")
    for label, limit in (("no sync", None), ("sync@20MB/s", 20.0), ("sync@unlimited", None)):
        venue = venue_for(root, ports, web_port, limit)
        controller = Controller(Config(venue, {show.id: show}, {}, Schedule(),
                                       Path("schedule.yaml")), SystemClock())
        web = WebServer(controller)
        await web.start()
        process = None
        moved = 0
        target = root / f"agent-{label.replace('@', '-').replace('/', '')}"
        try:
            if label != "no sync":
                process = await agent(web.url, controller.media.token("screen1"), target, root)
                await synced(controller, 0)
            done = asyncio.get_running_loop().create_future()
            controller.bus.subscribe(lambda e, done=done: e.kind == events.RUN
                                     and e.data["event"] == "end" and not done.done()
                                     and done.set_result(None))
            cpu0, wall0 = time.process_time(), time.perf_counter()
            start = controller.clock.monotonic() + 1.0
            controller.start(show.id, by="bench", at=start)
            t0_wall = time.time() + (start - time.monotonic())
            if process is not None:
                controller.media_sync("screen1", by="bench")
            await asyncio.wait_for(done, show.length + 30)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            moved = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
            await asyncio.sleep(0.3)  # the last datagrams reach the receiver process
            print(f"-- {label} (moved during the show: ~{moved / 1e6:.0f} MB; load "
                  f"{loadavg()})")
            figures(label[:8], show, collect(), t0_wall - lead, cpu, wall)
        finally:
            if process is not None:
                process.terminate()
                await process.wait()
            await web.stop()
            await controller.close()
            shutil.rmtree(target, ignore_errors=True)
    parent.send("stop")
    proc.join(5)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=120, help="MiB per file (3 files)")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", "/var/tmp")) as tmp:
        root = Path(tmp)
        if not args.skip_throughput:
            await throughput(root, args.mb)
        await timing(root, args.mb)


if __name__ == "__main__":
    asyncio.run(main())
