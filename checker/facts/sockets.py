"""What listens inside a container, read from the kernel's own tables (pure logic).

Slim images have no `ss` or `netstat`, but every container has /proc/net/tcp and /proc/net/tcp6:
one line per socket, the local address in hex (IPv4 in little-endian byte order) and the state
`0A` for LISTEN. A published port forwards to the container's own address (eth0), so a server that
listens only on 127.0.0.1 (or ::1) answers inside the container and never through `-p`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from checker.i18n import _

LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    address: str  # as the learner writes it: 0.0.0.0, 127.0.0.1, ::, ::1
    port: int

    @property
    def everywhere(self) -> bool:
        """Bound to every interface (0.0.0.0 or ::), so a published port reaches it."""
        return ipaddress.ip_address(self.address).is_unspecified

    @property
    def loopback_only(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    # IPv6: four 32-bit words, each in the host's (little-endian) byte order
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return str(address.ipv4_mapped or address)


def listeners(proc_net_tcp: str) -> list[Listener]:
    """The LISTEN sockets in the text of /proc/net/tcp and/or /proc/net/tcp6 (headers and junk skipped)."""
    found: list[Listener] = []
    for line in proc_net_tcp.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[0].rstrip(":").isdigit() or fields[3] != LISTEN:
            continue
        hex_address, _colon, hex_port = fields[1].partition(":")
        try:
            found.append(Listener(_address(hex_address), int(hex_port, 16)))
        except ValueError:
            continue
    return sorted(set(found), key=lambda item: (item.port, item.address))


def describe(found: list[Listener]) -> str:
    return ", ".join(str(item) for item in found) or _("nothing")
