"""Soft edges and geometry in mpv's GPU path (SPEC 7.3): the player writes one user
shader per screen from the venue (`--glsl-shaders`), and rewrites it when the venue file
changes (then tells its mpv to load the new one).

One pass on mpv's OUTPUT hook: for each output pixel, the image position shown there
(the inverse of the keystone's homography, or the warp mesh as a bilinear lookup
texture), black outside the image, the image sampled there and multiplied by the blend
ramp at that image position. It runs inside the frame mpv renders anyway: no extra
frame, nothing on the timing path. With `--vo=null` nothing is drawn, but the shader is
still made (the geometry inverted, the mesh read), so a bad venue is said at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Callable
from pathlib import Path

from showctl.model import Device
from showctl.model.picture import Blend, Geometry, Mesh, Point, read_mesh

log = logging.getLogger(__name__)

WATCH = 2.0
"""Seconds between two looks at the venue file's date (a reload is not urgent)."""

Matrix = tuple[tuple[float, float, float], ...]


def homography(src: tuple[Point, ...], dst: tuple[Point, ...]) -> Matrix:
    """The 3×3 projective map taking each src point to its dst point (4 pairs)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y])
        rhs.append(v)
    h = _solve(rows, rhs)
    return ((h[0], h[1], h[2]), (h[3], h[4], h[5]), (h[6], h[7], 1.0))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting; ValueError when singular."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            raise ValueError("the corners do not make a keystone (three in a line?)")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def apply(h: Matrix, x: float, y: float) -> Point:
    w = h[2][0] * x + h[2][1] * y + h[2][2]
    return ((h[0][0] * x + h[0][1] * y + h[0][2]) / w, (h[1][0] * x + h[1][1] * y + h[1][2]) / w)


CORNERS: tuple[Point, ...] = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


def _f(x: float) -> str:
    return f"{x:.9g}" if "." in f"{x:.9g}" or "e" in f"{x:.9g}" else f"{x:.9g}.0"


def _ramp_glsl(blend: Blend) -> str:
    curve = {"linear": "t", "smoothstep": "t * t * (3.0 - 2.0 * t)",
             "cosine": "0.5 - 0.5 * cos(3.14159265358979 * t)"}[blend.curve]
    edges = []
    for width, distance in ((blend.left, "uv.x"), (blend.right, "1.0 - uv.x"),
                            (blend.top, "uv.y"), (blend.bottom, "1.0 - uv.y")):
        if width > 0:
            edges.append(f"    k *= edge(({distance}) / {_f(width)});")
    return (f"float edge(float t) {{\n    t = clamp(t, 0.0, 1.0);\n    return pow({curve}, "
            f"{_f(1.0 / blend.gamma)});\n}}\n\nfloat ramp(vec2 uv) {{\n    float k = 1.0;\n"
            + "\n".join(edges) + "\n    return k;\n}\n")


def _mesh_texture(mesh: Mesh) -> str:
    data = b"".join(struct.pack("<ff", u, v) for u, v in mesh.points)
    return (f"//!TEXTURE showctl_warp\n//!SIZE {mesh.cols} {mesh.rows}\n//!FORMAT rg32f\n"
            f"//!FILTER LINEAR\n//!BORDER CLAMP\n{data.hex()}\n\n")


def shader(device: Device, base: Path | None) -> str | None:
    """The user shader for a screen's blend and geometry; None when it has neither.
    ValueError (one line) for a geometry that cannot be drawn or a mesh that cannot be
    read; `base`: the folder a relative mesh path is relative to (the venue file's)."""
    blend, geometry = device.blend, device.geometry
    if blend is None and geometry is None:
        return None
    texture, lookup, binds = "", "    vec2 uv = HOOKED_pos;\n", ""
    if geometry is not None:
        texture, lookup, binds = _geometry(geometry, base)
    body = _ramp_glsl(blend) if blend is not None else "float ramp(vec2 uv) { return 1.0; }\n"
    return (f"// showctl: blend and geometry of {device.id} (written by the player; "
            "edits are replaced)\n" + texture
            + f"//!HOOK OUTPUT\n//!BIND HOOKED\n{binds}//!DESC showctl {device.id} picture\n\n"
            + body + "\nvec4 hook() {\n" + lookup
            + "    if (uv.x < 0.0 || uv.x > 1.0 || uv.y < 0.0 || uv.y > 1.0)\n"
            "        return vec4(0.0, 0.0, 0.0, 1.0);\n"
            "    vec4 color = HOOKED_tex(uv);\n"
            "    color.rgb *= ramp(uv);\n"
            "    return color;\n}\n")


def _geometry(geometry: Geometry, base: Path | None) -> tuple[str, str, str]:
    if geometry.corners is not None:
        # output position -> image position: the inverse of image corners -> output corners
        h = homography(tuple(geometry.corners), CORNERS)
        m = ", ".join(_f(h[r][c]) for c in range(3) for r in range(3))  # GLSL: column-major
        lookup = (f"    vec3 q = mat3({m}) * vec3(HOOKED_pos, 1.0);\n"
                  "    vec2 uv = q.xy / q.z;\n")
        return "", lookup, ""
    assert geometry.mesh is not None
    path = geometry.mesh if geometry.mesh.is_absolute() or base is None else base / geometry.mesh
    mesh = read_mesh(path)
    lookup = (f"    vec2 cell = vec2({_f(mesh.cols - 1.0)}, {_f(mesh.rows - 1.0)});\n"
              f"    vec2 size = vec2({_f(float(mesh.cols))}, {_f(float(mesh.rows))});\n"
              "    vec2 uv = texture(showctl_warp, (HOOKED_pos * cell + 0.5) / size).xy;\n")
    return _mesh_texture(mesh), lookup, "//!BIND showctl_warp\n"


class Shaders:
    """The shader files of this player's screens, under its private IPC directory, and
    the mpv argument that loads each. A change is written under a new name (mpv loads a
    path once; the same path set again would keep the old program)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.paths: dict[str, Path] = {}
        self.texts: dict[str, str | None] = {}
        self._serial = 0

    def write(self, device: Device, base: Path | None) -> Path | None:
        """The file for `device` (None: it has no blend or geometry); ValueError if bad."""
        text = shader(device, base)
        self.texts[device.id] = text
        if text is None:
            self.paths.pop(device.id, None)
            return None
        self._serial += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{device.id}.{self._serial}.glsl"
        path.write_text(text)
        old = self.paths.get(device.id)
        self.paths[device.id] = path
        if old is not None and old != path:
            with contextlib.suppress(OSError):
                old.unlink()
        return path

    def mpv_args(self, device_id: str) -> list[str]:
        path = self.paths.get(device_id)
        return [f"--glsl-shaders={path}"] if path is not None else []


async def watch(venue_file: Path, reread: Callable[[], None], interval: float = WATCH) -> None:
    """Calls `reread()` each time the venue file's date or size changes (until cancelled)."""

    def stamp() -> tuple[int, int] | None:
        try:
            info = venue_file.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    seen = stamp()
    while True:
        await asyncio.sleep(interval)
        now = stamp()
        if now != seen and now is not None:
            seen = now
            try:
                reread()
            except Exception:  # a bad file is logged by reread; the old picture stays
                log.exception("venue reread for the picture failed")


class PictureKeeper:
    """This player's screens' shaders: written at start (a bad blend or geometry stops the
    player with its reason), rewritten when the venue file changes, and handed to each
    running mpv (`glsl-shaders`) and to its next restart (its arguments)."""

    def __init__(self, devices: list[Device], directory: Path, venue_file: Path | None) -> None:
        self.shaders = Shaders(directory)
        self.venue_file = venue_file
        self.devices = {d.id: d for d in devices if d.kind == "screen"}
        self.base = venue_file.parent if venue_file is not None else None
        self.targets: dict[str, Callable[[list[str]], None]] = {}
        self.reloads = 0
        self._task: asyncio.Task[None] | None = None
        for device in self.devices.values():
            self.shaders.write(device, self.base)  # ValueError: the caller says which

    def mpv_args(self, device_id: str) -> list[str]:
        return self.shaders.mpv_args(device_id)

    def start(self, reread: Callable[[], dict[str, Device]]) -> None:
        """Watches the venue file; `reread()` gives its screens afresh (raises if bad)."""
        if self.venue_file is None:
            return
        self._reread = reread
        self._task = asyncio.get_running_loop().create_task(
            watch(self.venue_file, self._changed), name="picture-watch")

    def _changed(self) -> None:
        try:
            fresh = self._reread()
        except Exception as exc:  # the loader's one-line reasons: the old picture stays
            log.error("venue changed but cannot be read: %s; the picture stays as it was",
                      str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        for device_id, old in self.devices.items():
            new = fresh.get(device_id)
            if new is None or (new.blend, new.geometry) == (old.blend, old.geometry):
                continue
            try:
                self.shaders.write(new, self.base)
            except ValueError as exc:
                log.error("%s: new blend/geometry refused: %s; the old picture stays",
                          device_id, exc)
                continue
            self.devices[device_id] = new
            self.reloads += 1
            log.info("%s: blend/geometry changed: shader %s loaded", device_id,
                     self.shaders.paths.get(device_id, "removed"))
            target = self.targets.get(device_id)
            if target is not None:
                target(self.mpv_args(device_id))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
