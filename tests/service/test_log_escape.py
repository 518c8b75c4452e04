"""`showctl run`'s log lines escape the control characters of what came in (issue 21): an
OSC address with a newline, an ESC sequence and a right-to-left override is one line,
written as escapes."""

from __future__ import annotations

import asyncio
import shutil
import signal

import pytest
import yaml

from tests.osc.clients import UdpClient
from tests.service.test_realtime_policy import run_until_ready, venue_for_nobody

pytestmark = pytest.mark.timeout(60)
EVIL = "/showctl/x\n12:00:00 ERROR forged\x1b[2J\u202e"


async def test_an_address_with_control_characters_is_logged_escaped_on_one_line():
    root, venue = venue_for_nobody("off")
    try:
        proc, _ = await run_until_ready(venue)
        try:
            port = int(yaml.safe_load(venue.read_text())["osc"]["listen"].rsplit(":", 1)[1])
            client = await UdpClient.open(port)
            try:
                assert (await client.ask(EVIL))["status"] == "error"
            finally:
                client.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.stderr is not None
            rest = (await asyncio.wait_for(proc.stderr.read(), 20)).decode()
            await asyncio.wait_for(proc.wait(), 20)
        assert "\x1b" not in rest and "\u202e" not in rest
        assert not any(line.startswith("12:00:00 ERROR forged") for line in rest.splitlines())
        assert "/showctl/x\\n12:00:00 ERROR forged\\x1b[2J\\u202e" in rest
    finally:
        shutil.rmtree(root, ignore_errors=True)
