"""The profile registry: venue.yaml's `profile:` names a class here.

`PROFILES` is what the files' validation checks names against (an unknown profile is
a validation error); docs/profiles.md says how to add one.
"""

from __future__ import annotations

from showctl.model import Device
from showctl.outputs.profiles.base import Profile
from showctl.outputs.profiles.ola import OlaProfile
from showctl.outputs.profiles.pjlink import PjlinkProfile
from showctl.outputs.profiles.showctl import ShowctlProfile

PROFILES: dict[str, type[Profile]] = {
    p.name: p for p in (ShowctlProfile, OlaProfile, PjlinkProfile)}


def profile_for(device: Device) -> Profile:
    """The device's profile; KeyError (listing the known names) for an unknown one."""
    try:
        return PROFILES[device.profile](device)
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise KeyError(f"unknown profile {device.profile!r} (known: {known})") from None


__all__ = ["PROFILES", "Profile", "profile_for"]
