"""The picture of one output (SPEC 7.3): soft edges where projectors overlap, and geometry
(a keystone by four corners, or a warp mesh), keys of a `screen` device:

    blend: {left: 0.12, right: 0.12, gamma: 2.2, curve: smoothstep}
    geometry: {corners: [[0, 0], [1, 0], [1, 1], [0, 1]]}      # or {mesh: warp/screen1.json}

Widths are fractions of the frame. The ramp over an overlap of width w, at t = distance
from the frame's edge / w (0 at the edge, 1 at the overlap's inner end), is the curve's
f(t) (linear t, smoothstep 3t²-2t³, cosine ½-½cos πt: each has f(t) + f(1-t) = 1, so two
projectors' light adds to one), raised to 1/gamma: the signal is gamma-encoded, the light
a projector gives is signal^gamma, so the signal multiplier f^(1/γ) gives light f.

Corners: where the image's top-left, top-right, bottom-right and bottom-left land on the
output, as fractions of it (x right, y down). A mesh file (JSON, relative to the venue
file) gives, for a grid of `cols` × `rows` points spread evenly over the output (row by
row, top first), the image position [u, v] shown there; between points it is bilinear.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from showctl.model.types import Frozen

Curve = Literal["linear", "smoothstep", "cosine"]
Fraction = float
Point = tuple[float, float]
IDENTITY: tuple[Point, Point, Point, Point] = ((0, 0), (1, 0), (1, 1), (0, 1))
MAX_MESH = 129


class Blend(Frozen):
    left: Fraction = Field(default=0.0, ge=0, le=0.5)
    right: Fraction = Field(default=0.0, ge=0, le=0.5)
    top: Fraction = Field(default=0.0, ge=0, le=0.5)
    bottom: Fraction = Field(default=0.0, ge=0, le=0.5)
    gamma: float = Field(default=2.2, ge=1.0, le=3.0,
                         description="the projector's gamma (2.2 for most)")
    curve: Curve = "smoothstep"


def ramp(t: float, curve: Curve, gamma: float) -> float:
    """The signal multiplier at t (0: the frame's edge, 1: the overlap's inner end)."""
    import math

    t = min(1.0, max(0.0, t))
    f = {"linear": t, "smoothstep": t * t * (3 - 2 * t),
         "cosine": 0.5 - 0.5 * math.cos(math.pi * t)}[curve]
    return float(f ** (1.0 / gamma))


class Geometry(Frozen):
    corners: tuple[Point, Point, Point, Point] | None = Field(
        default=None, description="where the image's corners land (TL, TR, BR, BL)")
    mesh: Path | None = Field(default=None, description="a warp mesh file (JSON)")

    @model_validator(mode="after")
    def _one_of(self) -> Geometry:
        if (self.corners is None) == (self.mesh is None):
            raise ValueError("give corners (a keystone) or mesh (a warp file), one of them")
        if self.corners is not None:
            for x, y in self.corners:
                if not (-1.0 <= x <= 2.0 and -1.0 <= y <= 2.0):
                    raise ValueError(f"corner [{x}, {y}] is far outside the output "
                                     "(fractions of it: 0 to 1)")
            if _area(self.corners) <= 1e-3:
                raise ValueError("the corners enclose no area (or run the wrong way round): "
                                 "give them top-left, top-right, bottom-right, bottom-left")
        return self


def _area(corners: tuple[Point, ...]) -> float:
    """Signed area (shoelace), positive for TL, TR, BR, BL with y pointing down; a
    twisted quadrilateral (a bow tie) gives less than either triangle pair."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        total += x0 * y1 - x1 * y0
    a = corners
    halves = [_tri(a[0], a[1], a[2]), _tri(a[0], a[2], a[3]), _tri(a[0], a[1], a[3]),
              _tri(a[1], a[2], a[3])]
    return total / 2 if min(halves) > 0 else 0.0


def _tri(a: Point, b: Point, c: Point) -> float:
    return ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2


class Mesh(Frozen):
    cols: int = Field(ge=2, le=MAX_MESH)
    rows: int = Field(ge=2, le=MAX_MESH)
    points: tuple[Point, ...]

    @model_validator(mode="after")
    def _count(self) -> Mesh:
        if len(self.points) != self.cols * self.rows:
            raise ValueError(f"points: {len(self.points)} given, cols × rows is "
                             f"{self.cols * self.rows}")
        return self


def read_mesh(path: Path) -> Mesh:
    """A mesh file; ValueError with what is wrong (the player and the checks say it)."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the mesh ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    try:
        return Mesh.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{path}: not a mesh ({where + ': ' if where else ''}"
                         f"{first['msg'].removeprefix('Value error, ')}); expected "
                         "{cols, rows, points: [[u, v], ...]}") from None
