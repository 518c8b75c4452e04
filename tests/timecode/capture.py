"""tshark as the independent decoder: a capture of the test's own loopback traffic on
one UDP port, read back through Wireshark's dissectors (`-d udp.port==P,artnet` / `acn`:
the test's ports are not the protocols' own)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import shutil
import signal
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")


@contextlib.asynccontextmanager
async def capturing(pcap: Path, port: int) -> AsyncIterator[None]:
    """tshark capturing UDP `port` on lo into `pcap` while the block runs."""
    proc = await asyncio.create_subprocess_exec(
        "tshark", "-i", "lo", "-f", f"udp port {port}", "-w", str(pcap), "-q",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stderr is not None
        async with asyncio.timeout(20):
            while b"Capturing on" not in (line := await proc.stderr.readline()):
                assert line, "tshark ended before capturing"
        yield
    finally:
        await asyncio.sleep(0.2)  # the last datagrams are in the kernel's buffer: let it write
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), 20)


async def fields(pcap: Path, decode_as: str | None, names: Sequence[str],
                 options: Sequence[str] = (), display: str = "") -> list[dict[str, str]]:
    """Each packet's `names` fields as tshark's dissectors read them (`decode_as`: a
    port's protocol, e.g. `udp.port==P,artnet`; ACN is found by its heuristic dissector,
    `options=["--enable-heuristic", "acn", "-o", "acn.dmx_enable:TRUE"]`)."""
    cmd = ["tshark", "-r", str(pcap), *(["-d", decode_as] if decode_as else []), *options,
           "-T", "fields",
           "-E", "separator=,", "-E", "quote=d", *(a for n in names for a in ("-e", n))]
    if display:
        cmd += ["-Y", display]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, cmd
    return [dict(zip(names, row, strict=True))
            for row in csv.reader(io.StringIO(out.decode()))]
