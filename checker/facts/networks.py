"""Networks: the inspect view, and reading what a connection attempt printed (pure logic).

A reachability verdict always says which of three things happened: the name
did not resolve, the connection was refused, or nothing answered in time,
because each has a different fix.

A name is looked up before the connection is tried (`attempt_script`): Docker's
DNS forwards a name it does not know to the daemon's upstream servers, and when
none answers (a rootless sandbox with no way out, an offline laptop) it never
replies, so the lookup hangs instead of failing. A lookup that gets no answer
within DNS_WAIT seconds is a name that does not resolve, not a slow server.
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass
from typing import Any

from checker.i18n import _

PROBE_TIMEOUT = 4  # seconds a single connection attempt may take before it counts as "no answer"
DNS_WAIT = 3  # seconds a lookup may take: Docker's DNS answers the names it knows in milliseconds
NO_DNS_ANSWER = "bad address: no DNS answer"
NO_TIMEOUT_FALLBACK = 'command -v timeout >/dev/null 2>&1 || timeout() { shift; "$@"; }; '


@dataclass(frozen=True)
class Network:
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.raw.get("Name", ""))

    @property
    def driver(self) -> str:
        return str(self.raw.get("Driver", ""))

    @property
    def labels(self) -> dict[str, str]:
        return self.raw.get("Labels") or {}

    @property
    def subnets(self) -> list[str]:
        return [c.get("Subnet", "?") for c in (self.raw.get("IPAM") or {}).get("Config") or []]

    @property
    def container_names(self) -> list[str]:
        return [c.get("Name", "?") for c in (self.raw.get("Containers") or {}).values()]


@dataclass(frozen=True)
class Attempt:
    """What one connection attempt printed, and how it exited (None: it was stopped)."""

    exit_code: int | None
    output: str


@dataclass(frozen=True)
class Reach:
    """How one connection attempt ended: reached, or why not (in words a learner can act on)."""

    reached: bool
    reason: str  # "answered", "does not resolve", "connection refused", "no answer within N s", …
    cause: str = "other"  # answered | dns | refused | timeout | other: what a retry could change


def classify(result: Attempt, host: str, port: int) -> Reach:
    """Read busybox `wget` output: any HTTP reply (even 404) proves the connection was made.

    busybox 1.35's `wget -T` crashes (Debian's static build), so attempts are
    bounded by `timeout` around wget instead of by wget itself.
    """
    text = result.output
    if result.exit_code == 0 or "server returned error" in text:
        return Reach(True, _("answered"), "answered")
    if result.exit_code is None or result.exit_code in (124, 143):
        return Reach(
            False,
            _("nothing answered on {host}:{port} within {seconds} s (timed out)").format(
                host=host, port=port, seconds=PROBE_TIMEOUT
            ),
            "timeout",
        )
    if "bad address" in text:
        reason = _("the name {host!r} does not resolve (no shared network with DNS for it)")
        if NO_DNS_ANSWER in text:
            reason = _(
                "the name {host!r} does not resolve "
                "(no shared network with DNS for it, no DNS answer within {seconds} s)"
            )
        return Reach(False, reason.format(host=host, seconds=DNS_WAIT), "dns")
    if "refused" in text:
        return Reach(
            False,
            _("{host!r} resolves, but the connection to port {port} was refused (nothing listens there)").format(
                host=host, port=port
            ),
            "refused",
        )
    if "reset" in text or "closed" in text.lower():
        return Reach(True, _("answered (then closed the connection)"), "answered")
    if result.exit_code == 127 or ("not found" in text and "wget" in text):
        return Reach(False, _("the container has no `wget` to test with"))
    failure = text.strip()[-200:] or _("exit code {code}").format(code=result.exit_code)
    return Reach(False, _("it failed: {output}").format(output=failure))


def wget_command(host: str, port: int, path: str = "/") -> list[str]:
    return ["wget", "-q", "-O", "/dev/null", f"http://{host}:{port}{path}"]


def attempt_script(host: str, port: int, path: str = "/") -> str:
    """One attempt as a shell script: look the name up, then connect (each bounded by `timeout`).

    busybox `ping` resolves as wget does (/etc/hosts, then DNS) and says "bad address" before it needs any
    privilege; killed after DNS_WAIT s, the lookup got no answer. Without ping (a Debian image) the connection
    is tried directly. An address needs no lookup. Exit code and output are wget's, or 1 and "bad address".
    A container without `timeout` runs both unbounded (`docker exec` is still bounded from outside).
    """
    connect = f"timeout {PROBE_TIMEOUT} {shlex.join(wget_command(host, port, path))} 2>&1"
    if _is_address(host):
        return NO_TIMEOUT_FALLBACK + connect
    lookup = f"timeout {DNS_WAIT} ping -c 1 -W 1 {shlex.quote(host)} 2>&1"
    return NO_TIMEOUT_FALLBACK + (
        f'out=$({lookup}); code=$?; case "$out" in *"bad address"*) echo "$out"; exit 1;; esac; '
        f'if [ "$code" = 124 ] || [ "$code" = 143 ]; then echo "{NO_DNS_ANSWER} within {DNS_WAIT} s"; exit 1; fi; '
        f"{connect}"
    )


def attempt_timeout() -> int:
    """The bound on a whole `attempt_script` run, lookup and connection."""
    return DNS_WAIT + PROBE_TIMEOUT + 2


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


MARKER = "@@course-probe-exit="


def split_attempts(output: str, count: int) -> list[Attempt]:
    """Cut the output of `count` attempts run in one shell, each followed by `MARKER<exit code>`."""
    chunks = output.split(MARKER)
    attempts = []
    for index in range(count):
        chunk = chunks[index] if index < len(chunks) else ""
        text = chunk.split("\n", 1)[1] if index > 0 and "\n" in chunk else chunk  # after the previous exit code
        if index + 1 >= len(chunks):  # the probe stopped before this attempt finished
            attempts.append(Attempt(None, text))
            continue
        code_text = chunks[index + 1].partition("\n")[0].strip()
        attempts.append(Attempt(int(code_text) if code_text.isdigit() else None, text))
    return attempts


def interface_names(proc_net_dev: str) -> list[str]:
    """Interface names from /proc/net/dev (present in every Linux container, unlike `ip`)."""
    return sorted(line.split(":", 1)[0].strip() for line in proc_net_dev.splitlines()[2:] if ":" in line)
