"""The profile registry: venue.yaml's `profile:` names a class here.

Every module of this package is a product's profile: a new product is one new file
(docs/profiles.md, "Adding a profile"), found here without being listed. `PROFILES` is
what the files' validation checks names against (an unknown profile is a validation
error).
"""

from __future__ import annotations

import importlib
import pkgutil

from showctl.model import Device
from showctl.outputs.profiles.base import Bundles, Profile, Transport


def _discover() -> dict[str, type[Profile]]:
    found: dict[str, type[Profile]] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if module == "base":
            continue
        namespace = vars(importlib.import_module(f"{__name__}.{module}"))
        for value in namespace.values():
            if (isinstance(value, type) and issubclass(value, Profile)
                    and value.__module__ == f"{__name__}.{module}"):
                if value.name in found:
                    raise TypeError(f"two profiles are called {value.name!r}")
                found[value.name] = value
    return found


PROFILES: dict[str, type[Profile]] = _discover()


def profile_for(device: Device) -> Profile:
    """The device's profile; KeyError (listing the known names) for an unknown one."""
    try:
        return PROFILES[device.profile](device)
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise KeyError(f"unknown profile {device.profile!r} (known: {known})") from None


__all__ = ["PROFILES", "Bundles", "Profile", "Transport", "profile_for"]
