"""Reading a connection attempt (checker/facts/networks.py): each way it can end has its own words."""

from __future__ import annotations

import pytest

from checker.facts.networks import (
    MARKER,
    NO_DNS_ANSWER,
    Attempt,
    Network,
    attempt_script,
    classify,
    interface_names,
    split_attempts,
    wget_command,
)


@pytest.mark.parametrize(
    ("attempt", "reached", "cause"),
    [
        (Attempt(0, ""), True, "answered"),
        (Attempt(1, "wget: server returned error: HTTP/1.0 404 Not Found"), True, "answered"),
        (Attempt(None, ""), False, "timeout"),
        (Attempt(143, ""), False, "timeout"),
        (Attempt(1, "wget: bad address 'db'"), False, "dns"),
        (Attempt(1, "ping: bad address 'db'"), False, "dns"),
        (Attempt(1, f"{NO_DNS_ANSWER} within 3 s"), False, "dns"),
        (Attempt(1, "wget: can't connect to remote host: Connection refused"), False, "refused"),
        (Attempt(1, "wget: error getting response: Connection reset by peer"), True, "answered"),
        (Attempt(127, "sh: wget: not found"), False, "other"),
        (Attempt(2, "something else"), False, "other"),
    ],
)
def test_classify_names_what_happened(attempt: Attempt, reached: bool, cause: str) -> None:
    seen = classify(attempt, "db", 5432)
    assert (seen.reached, seen.cause) == (reached, cause)


def test_the_reasons_say_what_to_fix() -> None:
    assert "does not resolve" in classify(Attempt(1, "bad address"), "db", 1).reason
    assert "refused" in classify(Attempt(1, "Connection refused"), "db", 1).reason
    assert "no `wget`" in classify(Attempt(127, ""), "db", 1).reason


def test_a_lookup_that_gets_no_answer_is_a_name_that_does_not_resolve() -> None:
    reason = classify(Attempt(1, f"{NO_DNS_ANSWER} within 3 s"), "api", 8000).reason
    assert "the name 'api' does not resolve" in reason
    assert "no DNS answer" in reason


def test_an_attempt_looks_the_name_up_first_but_not_an_address() -> None:
    by_name = attempt_script("api", 8000, "/x")
    assert by_name.index("ping -c 1 -W 1 api") < by_name.index("wget -q -O /dev/null http://api:8000/x")
    assert NO_DNS_ANSWER in by_name
    assert "ping" not in attempt_script("172.18.0.3", 8000)
    assert "'a b'" in attempt_script("a b", 80)  # quoted for the shell


def test_attempts_of_one_probe_are_split_by_their_markers() -> None:
    output = f"first out\n{MARKER}0\nbad address\n{MARKER}1\npartial"
    assert split_attempts(output, 3) == [
        Attempt(0, "first out\n"),
        Attempt(1, "bad address\n"),
        Attempt(None, "partial"),
    ]
    assert split_attempts("", 2) == [Attempt(None, ""), Attempt(None, "")]


def test_interfaces_come_from_proc_net_dev() -> None:
    text = "Inter-| Receive\n face |bytes\n    lo: 0 0\n  eth0: 1 2\n"
    assert interface_names(text) == ["eth0", "lo"]
    assert wget_command("api", 8000, "/x") == ["wget", "-q", "-O", "/dev/null", "http://api:8000/x"]


def test_the_network_view() -> None:
    net = Network(
        {
            "Name": "n",
            "Driver": "bridge",
            "IPAM": {"Config": [{"Subnet": "10.0.0.0/24"}]},
            "Containers": {"a": {"Name": "web"}},
        }
    )
    assert (net.name, net.driver, net.subnets, net.container_names, net.labels) == (
        "n",
        "bridge",
        ["10.0.0.0/24"],
        ["web"],
        {},
    )
