"""Test patterns drawn by the player itself (SPEC 7.3, `pattern: {kind: ...}`), so setting
up a ring of projectors needs no media file on any PC.

  grid        white lines on black every 1/16 of the width and 1/9 of the height, and
              the frame's border: keystone and mesh alignment (lavfi `drawgrid`)
  crosshatch  a finer grid with a centre cross and, large, the screen's index and its
              angle (seven-segment digits drawn here: no font needed), so a technician
              sees at once which projector is which (a generated image)
  blend       full white: the overlaps must look as even as the rest (lavfi `color`)
  bars        SMPTE HD colour bars (lavfi `smptehdbars`)

The pattern goes through the screen's blend and geometry shader like any media.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from showctl.model import Device

KINDS = ("grid", "crosshatch", "blend", "bars")
SIZE = (1920, 1080)

# seven segments: a top, b top right, c bottom right, d bottom, e bottom left, f top left, g middle
SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd",
            "6": "afgedc", "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g"}


def source(kind: str, device: Device, directory: Path) -> str:
    """What mpv opens for the pattern: a lavfi URL, or an image written under
    `directory`. ValueError for an unknown kind."""
    w, h = SIZE
    if kind == "blend":
        return f"av://lavfi:color=c=white:size={w}x{h}:rate=25"
    if kind == "bars":
        return f"av://lavfi:smptehdbars=size={w}x{h}:rate=25"
    if kind == "grid":
        return (f"av://lavfi:color=c=black:size={w}x{h}:rate=25,"
                f"drawgrid=w={w // 16}:h={h // 9}:t=3:c=white,"
                f"drawbox=x=0:y=0:w={w}:h={h}:t=6:c=white")
    if kind == "crosshatch":
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"crosshatch-{device.id}.pgm"
        path.write_bytes(crosshatch(device.index or 0, device.angle))
        return str(path)
    raise ValueError(f"unknown pattern {kind!r} (patterns: {', '.join(KINDS)})")


def crosshatch(index: int, angle: float | None, size: tuple[int, int] = SIZE) -> bytes:
    """A binary PGM: grid lines, a centre cross, the index and the angle in big digits."""
    w, h = size
    image = bytearray(w * h)
    white = b"\xff"

    def box(x0: int, y0: int, x1: int, y1: int, level: bytes = white) -> None:
        x0, x1 = max(0, x0), min(w, x1)
        for y in range(max(0, y0), min(h, y1)):
            image[y * w + x0:y * w + x1] = level * (x1 - x0)

    step = w // 32
    for x in range(0, w, step):
        box(x, 0, x + 2, h, b"\x80")
    for y in range(0, h, step):
        box(0, y, w, y + 2, b"\x80")
    box(w // 2 - 3, 0, w // 2 + 3, h)  # the centre cross
    box(0, h // 2 - 3, w, h // 2 + 3)
    box(0, 0, w, 6)
    box(0, h - 6, w, h)
    box(0, 0, 6, h)
    box(w - 6, 0, w, h)
    digit_h = h // 4
    _text(box, str(index), w // 2 - _width(str(index), digit_h) // 2, h // 8, digit_h)
    if angle is not None:
        label = f"{angle:g}".replace(".", "-")
        small = h // 6
        x = w // 2 - (_width(label, small) + small // 3) // 2
        end = _text(box, label, x, h // 2 + h // 10, small)
        ring = small // 6  # the degree sign: a small square ring
        box(end + ring, h // 2 + h // 10, end + 3 * ring, h // 2 + h // 10 + 2 * ring)
        box(end + ring + ring // 2, h // 2 + h // 10 + ring // 2, end + 3 * ring - ring // 2,
            h // 2 + h // 10 + 2 * ring - ring // 2, b"\x00")
    return f"P5\n{w} {h}\n255\n".encode() + bytes(image)


def _width(text: str, height: int) -> int:
    return len(text) * (height // 2 + height // 5)


def _text(box: Callable[..., None], text: str, x: int, y: int, height: int) -> int:
    """Seven-segment digits from (x, y), `height` tall; returns the x after the last."""
    t = max(4, height // 10)
    dw = height // 2
    half = height // 2
    for char in text:
        on = SEGMENTS.get(char, "")
        spans = {"a": (x, y, x + dw, y + t), "d": (x, y + height - t, x + dw, y + height),
                 "g": (x, y + half - t // 2, x + dw, y + half + t // 2),
                 "f": (x, y, x + t, y + half), "e": (x, y + half, x + t, y + height),
                 "b": (x + dw - t, y, x + dw, y + half),
                 "c": (x + dw - t, y + half, x + dw, y + height)}
        for segment in on:
            box(*spans[segment])
        x += dw + height // 5
    return x
