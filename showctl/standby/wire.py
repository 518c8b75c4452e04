"""The replication link's messages: signed, counted, refused when replayed.

One UDP datagram is one message: `SCR1`, a JSON object, and an HMAC-SHA256 of both under
the venue's shared key (`standby.key_file`). The JSON says who sent it (`from`), the
sender's process (`boot`, random at each start), a counter (`seq`) that only grows within
a boot, its wall time (`sent`), the sender's term (`epoch`) and role, and a body.

A receiver admits a message only when its tag is right, it comes from the other peer, it
is fresh (`sent` within WINDOW of the receiver's own wall clock: the two machines share
time through chrony), and it is newer than the last one admitted: a higher `seq` of the
same boot, or a later `sent` of a new boot. A captured datagram sent again is refused,
whatever its age. Every refusal names its reason (counted by the link).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass, field
from typing import Any

MAGIC = b"SCR1"
TAG = hashlib.sha256().digest_size
WINDOW = 5.0  # seconds a message stays fresh (clock difference plus transit)
MAX_SIZE = 60_000  # a UDP datagram's payload, with room to spare
KINDS = frozenset({"state", "handover", "request"})
ROLES = frozenset({"active", "standby"})
MIN_KEY = 16


class WireError(ValueError):
    """A message refused; `reason` is one short word for the counters."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Message:
    sender: str
    boot: str
    seq: int
    sent: float
    epoch: int
    role: str
    kind: str
    body: dict[str, Any] = field(default_factory=dict)


def new_boot() -> str:
    return secrets.token_hex(8)


def encode(key: bytes, message: Message) -> bytes:
    payload = json.dumps({
        "from": message.sender, "boot": message.boot, "seq": message.seq,
        "sent": message.sent, "epoch": message.epoch, "role": message.role,
        "kind": message.kind, "body": message.body,
    }, separators=(",", ":"), allow_nan=False).encode()
    data = MAGIC + payload
    if len(data) + TAG > MAX_SIZE:
        raise WireError("size", f"message of {len(data)} bytes is too long")
    return data + hmac.new(key, data, hashlib.sha256).digest()


def decode(key: bytes, data: bytes) -> Message:
    """The message in `data`, its signature checked first (nothing unsigned is parsed)."""
    if len(data) < len(MAGIC) + TAG + 2 or not data.startswith(MAGIC):
        raise WireError("malformed", "not a replication message")
    signed, tag = data[:-TAG], data[-TAG:]
    if not hmac.compare_digest(tag, hmac.new(key, signed, hashlib.sha256).digest()):
        raise WireError("signature", "wrong signature (another key, or altered)")
    try:
        obj = json.loads(signed[len(MAGIC):])
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError("malformed", f"bad JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise WireError("malformed", "not an object")
    try:
        message = Message(str(obj["from"]), str(obj["boot"]), obj["seq"], obj["sent"],
                          obj["epoch"], str(obj["role"]), str(obj["kind"]), obj["body"])
    except KeyError as exc:
        raise WireError("malformed", f"missing {exc}") from None
    if (not _whole(message.seq) or not _whole(message.epoch)
            or not isinstance(message.sent, int | float) or not math.isfinite(message.sent)
            or message.kind not in KINDS or message.role not in ROLES
            or not isinstance(message.body, dict)):
        raise WireError("malformed", "a field has the wrong type or value")
    return message


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Guard:
    """Admits each message from `peer` once, in order (module docstring)."""

    def __init__(self, peer: str, window: float = WINDOW) -> None:
        self.peer, self.window = peer, window
        self.boot: str | None = None
        self.seq = -1
        self.sent = float("-inf")

    def admit(self, message: Message, now: float) -> None:
        if message.sender != self.peer:
            raise WireError("sender", f"from {message.sender!r}, not the peer {self.peer!r}")
        if abs(message.sent - now) > self.window:
            raise WireError("stale", f"sent {message.sent - now:+.1f} s from now (clocks "
                            f"more than {self.window:g} s apart, or a replay)")
        if message.boot == self.boot:
            if message.seq <= self.seq:
                raise WireError("replay", f"seq {message.seq} already seen ({self.seq})")
        elif message.sent <= self.sent:
            raise WireError("replay", "an older process's message")
        self.boot, self.seq, self.sent = message.boot, message.seq, message.sent


def read_key(path: str | Any) -> bytes:
    """The shared key's bytes (whitespace around it ignored); ValueError when too short."""
    with open(path, "rb") as handle:
        key = handle.read().strip()
    if len(key) < MIN_KEY:
        raise ValueError(f"{path}: the key is {len(key)} bytes, at least {MIN_KEY} are needed "
                         "(make one: head -c 32 /dev/urandom | base64 > FILE)")
    return key
