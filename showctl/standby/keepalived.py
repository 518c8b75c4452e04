"""keepalived's configuration for one controller of a pair (`showctl standby keepalived`,
docs/standby.md; the example for `ctl-a` is systemd/keepalived-showctl.conf).

VRRPv3 (sub-second adverts), unicast to the other controller (no multicast on the venue
network), both start BACKUP with `nopreempt` (no automatic switch back: the controller
that returns stays standby), the check script takes the address away from a controller
whose loop does not answer (killed, frozen), and the track file lets a controller hand it
over on purpose (`showctl standby demote`, or yielding to a newer epoch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from showctl.model.standby import Standby

TEMPLATE = """\
# keepalived for showctl controller {me} (peer {peer}): made by `showctl standby keepalived`
# (docs/standby.md). Install as /etc/keepalived/keepalived.conf on {me}.
global_defs {{
    router_id showctl-{me}
    vrrp_version 3
    script_user root
    enable_script_security
}}

# The local controller's event loop answers within 0.5 s, or this machine lets go.
vrrp_script showctl_alive {{
    script "{scripts}/showctl-standby-check {state_dir}"
    interval 1
    timeout 1
    fall 1
    rise 1
}}

# 1 in this file (written by the controller): hand the address over (FAULT).
vrrp_track_file showctl_handover {{
    file "{state_dir}/standby-fault"
}}

vrrp_instance showctl {{
    state BACKUP
    nopreempt
    interface {interface}
    virtual_router_id {router_id}
    priority {priority}
    advert_int {advert_int}
    unicast_src_ip {me_address}
    unicast_peer {{
        {peer_address}
    }}
    virtual_ipaddress {{
        {address} dev {interface}
    }}
    track_script {{
        showctl_alive
    }}
    track_file {{
        showctl_handover weight 0
    }}
    notify "{scripts}/showctl-standby-notify {state_dir}"
}}
"""


@dataclass(frozen=True)
class Options:
    me: str
    peer: str
    me_address: str
    peer_address: str
    state_dir: Path
    scripts: Path = Path("/usr/lib/showctl")
    priority: int = 100
    advert_int: float = 0.3
    router_id: int = 51


def render(standby: Standby, options: Options) -> str:
    return TEMPLATE.format(
        me=options.me, peer=options.peer, scripts=options.scripts,
        state_dir=options.state_dir, interface=standby.interface or "eth0",
        router_id=options.router_id, priority=options.priority,
        advert_int=f"{options.advert_int:g}", me_address=options.me_address,
        peer_address=options.peer_address, address=standby.address)
