"""What a device's own link costs the dispatcher's burst: the time of one `send` call for
an Eos cue (`/eos/cue/1/5/fire`, 24 bytes), through the shared UDP socket (the baseline:
what every plain-UDP device gets), a device's own UDP socket (products that answer over
UDP), and a TCP connection framed SLIP or length-prefixed (Eos, QLab over TCP), each to a
receiver on 127.0.0.1 that reads everything. A burst sends one packet per device, so
this is the per-device share of a cue's lateness.

    .venv/bin/python bench/links.py [N]
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import sys
import time
from pathlib import Path

from showctl.codec.osc import encode_message
from showctl.outputs.links import TcpLink, UdpLink
from showctl.outputs.sender import UdpSender

PACKET = encode_message("/eos/cue/1/5/fire")


def report(name: str, ns: list[int]) -> None:
    ns.sort()
    p50, p99 = ns[len(ns) // 2] / 1000, ns[int(len(ns) * 0.99)] / 1000
    print(f"  {name:<28} n={len(ns)}  p50 {p50:6.2f} us  p99 {p99:6.2f} us  "
          f"mean {statistics.fmean(ns) / 1000:6.2f} us")


async def drain_udp(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    while True:
        await loop.sock_recv(sock, 65536)


async def main(n: int) -> None:
    loop = asyncio.get_running_loop()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    reader = loop.create_task(drain_udp(sink))
    address = sink.getsockname()

    async def timed(send, name: str) -> None:
        ns = []
        for i in range(n):
            t0 = time.perf_counter_ns()
            send(PACKET)
            ns.append(time.perf_counter_ns() - t0)
            if i % 64 == 63:
                await asyncio.sleep(0)  # let the receivers read, as between bursts
        report(name, ns)

    shared = UdpSender()
    await timed(lambda data: shared.send(address, data), "shared UDP socket (baseline)")
    own = UdpLink(address[0], address[1], lambda data: None)
    own.start()
    await timed(own.send, "own UDP socket")
    own.close()

    async def swallow(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while await r.read(1 << 16):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for framing in ("slip", "length"):
        link = TcpLink("127.0.0.1", port, framing, lambda data: None)
        link.start()
        while not link.connected:
            await asyncio.sleep(0.01)
        await timed(link.send, f"TCP, {framing} framing")
        link.close()
        await asyncio.sleep(0.1)  # the receiver reads the end of the stream and ends
    server.close()
    await server.wait_closed()
    reader.cancel()
    sink.close()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"one send() call, {count} packets each; load {load} (2 shared cores)")
    asyncio.run(main(count))
