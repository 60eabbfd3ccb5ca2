"""What listens inside a container, from /proc/net/tcp and tcp6 (checker/facts/sockets.py)."""

from __future__ import annotations

from checker.facts.sockets import Listener, describe, listeners

TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1181835 1 0 100 0 0 10 0
   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1181836 1 0 100 0 0 10 0
   2: 0200A8C0:1F40 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 1181837 1 0 100 0 0 10 0
"""
TCP6 = """  sl  local_address                         remote_address                        st tx_queue
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:0051 00000000000000000000000000000000:0000 0A 00000000:00000000
   2: 0000000000000000FFFF00000100007F:0052 00000000000000000000000000000000:0000 0A 00000000:00000000
"""


def test_ipv4_listeners_in_little_endian_and_hex_ports() -> None:
    found = listeners(TCP)
    assert found == [Listener("0.0.0.0", 8000), Listener("127.0.0.1", 8080)]  # the ESTABLISHED one is not listed
    assert found[0].everywhere and not found[0].loopback_only
    assert found[1].loopback_only and not found[1].everywhere


def test_ipv6_any_loopback_and_mapped_addresses() -> None:
    found = listeners(TCP6)
    assert [str(item) for item in found] == ["[::]:80", "[::1]:81", "127.0.0.1:82"]
    assert found[0].everywhere and found[1].loopback_only and found[2].loopback_only


def test_headers_junk_and_nothing() -> None:
    assert listeners("cat: /proc/net/tcp6: No such file or directory\n\n") == []
    assert describe([]) == "nothing"
    assert describe(listeners(TCP)) == "0.0.0.0:8000, 127.0.0.1:8080"
