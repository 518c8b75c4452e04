"""The venue's pictures (SPEC 7.3) checked as a whole file: a screen's warp mesh must be
a readable mesh, named at the `mesh:` key's line and column (the player checks it again
when it starts, on its own PC)."""

from __future__ import annotations

from showctl.files.errors import FileError
from showctl.files.yamlsrc import Document
from showctl.model import Venue
from showctl.model.picture import read_mesh


def check_pictures(venue: Venue, doc: Document) -> list[FileError]:
    errors: list[FileError] = []
    for i, device in enumerate(venue.devices):
        mesh = device.geometry.mesh if device.geometry is not None else None
        if mesh is None:
            continue
        path = mesh if mesh.is_absolute() else doc.path.parent / mesh
        try:
            read_mesh(path)
        except ValueError as exc:
            errors.append(doc.error(("devices", i, "geometry", "mesh"), str(exc)))
    return errors
