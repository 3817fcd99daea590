"""The host policy on its own: which Host and Origin headers pass, and where links point."""

from __future__ import annotations

import pytest

from app.api.bodies import parse_size
from app.api.hosts import HostPolicy, host_name


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:8710", "127.0.0.1"),
        ("LocalHost.:80", "localhost"),
        ("[::1]:8710", "::1"),
        ("::1", "::1"),
        ("ren.test", "ren.test"),
    ],
)
def test_host_names_are_compared_without_port_case_brackets_or_final_dot(
    header: str, name: str
) -> None:
    assert host_name(header) == name


def test_loopback_bind_address_and_allowed_names_pass_nothing_else() -> None:
    policy = HostPolicy("192.168.1.20", 8710, ("ren.lan",), hostname="box")
    for host in ("127.0.0.1:8710", "localhost", "[::1]:8710", "192.168.1.20:8710", "REN.lan"):
        assert policy.allows_host(host), host
    for host in ("evil.example", "box", "127.0.0.1.evil.example", "localhost.evil", "", None):
        assert not policy.allows_host(host), host
    assert policy.base_url() == "http://192.168.1.20:8710"


def test_bound_to_every_address_the_hostname_passes_and_links_use_a_name() -> None:
    assert HostPolicy("0.0.0.0", 9000, hostname="box").allows_host("box:9000")
    assert HostPolicy("0.0.0.0", 9000, hostname="box").base_url() == "http://box:9000"
    named = HostPolicy("0.0.0.0", 9000, ("ren.lan", "other"), hostname="box")
    assert named.base_url() == "http://ren.lan:9000"
    assert HostPolicy("::1", 9000).base_url() == "http://[::1]:9000"


def test_an_origin_passes_only_as_the_address_the_request_was_sent_to() -> None:
    policy = HostPolicy("127.0.0.1", 8710, ("ren.test",), hostname="box")
    assert policy.allows_origin(None, "127.0.0.1:8710")  # not a browser
    assert policy.allows_origin("http://127.0.0.1:8710", "127.0.0.1:8710")
    assert policy.allows_origin("http://ren.test", "ren.test")  # default port on both sides
    assert policy.allows_origin("https://ren.test", "ren.test:443")
    for origin, host in (
        ("http://127.0.0.1:8711", "127.0.0.1:8710"),  # another port: another origin
        ("http://localhost:8710", "127.0.0.1:8710"),
        ("http://evil.example:8710", "evil.example:8710"),  # rebinding: same, but not allowed
        ("null", "127.0.0.1:8710"),
        ("http://127.0.0.1:99999", "127.0.0.1:8710"),
        ("file://", "127.0.0.1:8710"),
    ):
        assert not policy.allows_origin(origin, host), (origin, host)


def test_sizes_take_units_and_refuse_nonsense() -> None:
    assert parse_size("1048576") == 1048576
    assert parse_size("512k") == 512 * 1024
    assert parse_size("16M") == parse_size("16MiB") == parse_size("16mb") == 16 * 1024 * 1024
    for text in ("", "abc", "0", "-1", "inf", "nan", "1x"):
        with pytest.raises(ValueError, match="size"):
            parse_size(text)
