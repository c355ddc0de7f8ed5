"""The SSRF guard: which URLs and addresses are refused, with a fake resolver (no DNS)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest

from minerun.notify import UnresolvedHostError, UnsafeUrlError
from minerun.notify.ssrf import (
    address_problem,
    check_url,
    parse_ipv4_literal,
    resolve_and_pin,
    system_resolver,
)

ZONE = {
    "hooks.example.com": ["93.184.216.34"],
    "v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
    "dual.example.com": ["2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"],
    "rebind.example.com": ["93.184.216.34", "127.0.0.1"],
    "internal.example.com": ["10.1.2.3"],
    "metadata.example.com": ["169.254.169.254"],
    "mapped.example.com": ["::ffff:192.168.1.1"],
    "scoped.example.com": ["fe80::1%eth0"],
    "local.test": ["127.0.0.1"],
    "broken.example.com": ["not-an-ip"],
}


def fake_resolver(host: str, port: int) -> Sequence[str]:
    if host not in ZONE:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return ZONE[host]


BAD_URLS = [
    # schemes, user info, parser tricks
    "ftp://hooks.example.com/",
    "file:///etc/passwd",
    "gopher://hooks.example.com/",
    "javascript:alert(1)",
    "//hooks.example.com/no-scheme",
    "http:///path-only",
    "http://user:pass@hooks.example.com/",
    "http://hooks.example.com@127.0.0.1/",
    "http://127.0.0.1#@hooks.example.com/",
    "http://hooks.example.com\\@127.0.0.1/",
    "http://hooks.example.com /",
    "http://hooks.example.com\t/",
    "http://hooks.example.com\n.evil/",
    "http://%31%32%37.0.0.1/",
    "http://hooks.example.com:0/",
    "http://hooks.example.com:99999/",
    "http://hooks.example.com:80:80/",
    "http://exämple.com/",
    "http://[::1/",
    "http://[fe80::1%25eth0]/",
    "http://" + "a" * 64 + ".example.com/",
    "http://hooks.example.com/" + "x" * 2100,
    # loopback and its literal spellings
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/hook",
    "http://127.255.255.254/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0177.0000.0000.0001/",
    "http://0x7f000001/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://0x7F.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://017700000001/",
    "http://127.0.0.1./",
    "http://localhost/",
    "http://LOCALHOST:8000/",
    "http://api.localhost/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    # unspecified and "this network"
    "http://0.0.0.0/",
    "http://0/",
    "http://0.1.2.3/",
    "http://[::]/",
    # private, shared, link-local, metadata
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.0.1/",
    "http://3232235521/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://100.100.100.200/",
    "http://169.254.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",
    "http://0xa9fea9fe/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    # IPv6 forms embedding forbidden IPv4 addresses
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",
    "http://[::7f00:1]/",
    "http://[::ffff:0:127.0.0.1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::192.168.0.1]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::1]/",
    "http://[2002:a00:1::]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    # multicast, broadcast, reserved, documentation, benchmarking
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.0.8/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://198.51.100.7/",
    "http://203.0.113.9/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    "http://[100::1]/",
    "http://[4000::1]/",
    # numeric hosts that are not valid addresses
    "http://1.2.3.4.5/",
    "http://256.1.1.1/",
    "http://1.2.65536/",
    "http://4294967296/",
    "http://09.1.1.1/",
    "http://example.123/",
    # names resolving to forbidden addresses (any of them)
    "http://rebind.example.com/",
    "http://internal.example.com/",
    "http://metadata.example.com/",
    "http://mapped.example.com/",
    "http://scoped.example.com/",
    "http://broken.example.com/",
]

GOOD_URLS = [
    ("https://hooks.example.com/webhooks/minerun", "hooks.example.com", 443, "93.184.216.34"),
    ("http://hooks.example.com:8080/x?y=1#z", "hooks.example.com", 8080, "93.184.216.34"),
    ("HTTPS://HOOKS.EXAMPLE.COM/", "hooks.example.com", 443, "93.184.216.34"),
    ("https://v6.example.com/", "v6.example.com", 443, "2606:2800:220:1:248:1893:25c8:1946"),
    ("https://dual.example.com/", "dual.example.com", 443, "2606:2800:220:1:248:1893:25c8:1946"),
    ("http://93.184.216.34/", "93.184.216.34", 80, "93.184.216.34"),
    ("http://1572395042/", "1572395042", 80, "93.184.216.34"),
    ("http://8.8.8.8./", "8.8.8.8.", 80, "8.8.8.8"),
    ("https://[2606:4700:4700::1111]:8443/", "2606:4700:4700::1111", 8443, "2606:4700:4700::1111"),
    ("https://[::ffff:8.8.8.8]/", "::ffff:8.8.8.8", 443, "::ffff:808:808"),
    ("https://[64:ff9b::8.8.8.8]/", "64:ff9b::8.8.8.8", 443, "64:ff9b::808:808"),
    ("https://[2002:808:808::1]/", "2002:808:808::1", 443, "2002:808:808::1"),
    ("http://172.32.0.1/", "172.32.0.1", 80, "172.32.0.1"),
    ("http://100.128.0.1/", "100.128.0.1", 80, "100.128.0.1"),
    ("http://xn--mnchen-3ya.de.example.com", "xn--mnchen-3ya.de.example.com", 80, None),
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_urls_are_refused_at_registration_and_delivery(url: str) -> None:
    with pytest.raises(UnsafeUrlError) as refused:
        check_url(url, resolve=fake_resolver)
    assert refused.value.reason
    assert refused.value.errors == [{"field": "url", "reason": refused.value.reason}]
    with pytest.raises(UnsafeUrlError):
        resolve_and_pin(url, resolve=fake_resolver)


@pytest.mark.parametrize(("url", "host", "port", "ip"), GOOD_URLS)
def test_good_urls_are_accepted_and_pinned(url: str, host: str, port: int, ip: str | None) -> None:
    checked = check_url(url, resolve=fake_resolver)
    assert (checked.host, checked.port) == (host, port)
    if ip is None:
        assert not checked.resolved
        return
    assert checked.resolved and checked.addresses[0] == ip
    pinned = resolve_and_pin(url, resolve=fake_resolver)
    assert (pinned.host, pinned.port, pinned.ip) == (host, port, ip)
    assert pinned.scheme == url.split(":")[0].lower()


def test_all_addresses_of_a_name_are_checked() -> None:
    with pytest.raises(UnsafeUrlError, match=r"127\.0\.0\.1 is refused: loopback"):
        resolve_and_pin("https://rebind.example.com/", resolve=fake_resolver)
    checked = check_url("https://dual.example.com/", resolve=fake_resolver)
    assert checked.addresses == tuple(ZONE["dual.example.com"])


def test_unresolved_name_is_accepted_at_registration_and_refused_at_delivery() -> None:
    checked = check_url("https://not-yet.example.com/hook", resolve=fake_resolver)
    assert not checked.resolved
    assert checked.addresses == ()
    assert checked.note is not None and "delivery" in checked.note
    with pytest.raises(UnresolvedHostError, match="does not resolve"):
        resolve_and_pin("https://not-yet.example.com/hook", resolve=fake_resolver)


def test_refusal_reasons_name_the_range() -> None:
    cases = {
        "http://0x7f000001/": "loopback",
        "http://169.254.169.254/": "metadata",
        "http://100.64.0.1/": "CGNAT",
        "http://[::ffff:10.0.0.1]/": "IPv4-mapped form of 10.0.0.1 (private",
        "http://[64:ff9b::127.0.0.1]/": "NAT64 form of 127.0.0.1",
        "http://[2002:a00:1::]/": "6to4 form of 10.0.0.1",
        "http://user@hooks.example.com/": "user info",
        "gopher://x/": "scheme",
    }
    for url, reason in cases.items():
        with pytest.raises(UnsafeUrlError, match=reason.replace("(", r"\(")):
            check_url(url, resolve=fake_resolver)


def test_allow_private_lifts_range_checks_but_not_metadata() -> None:
    private = ["http://127.0.0.1:8000/", "http://localhost/", "http://[::1]/", "http://10.0.0.1/"]
    private += ["http://0x7f000001/", "http://internal.example.com/", "http://local.test/"]
    for url in private:
        check_url(url, allow_private=True, resolve=fake_resolver)
    pinned = resolve_and_pin("http://local.test:9/x", allow_private=True, resolve=fake_resolver)
    assert (pinned.host, pinned.port, pinned.ip) == ("local.test", 9, "127.0.0.1")
    for url in (
        "http://169.254.169.254/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.example.com/",
        "http://metadata.google.internal/",
        "http://[fd00:ec2::254]/",
        "ftp://127.0.0.1/",
        "http://u@127.0.0.1/",
    ):
        with pytest.raises(UnsafeUrlError):
            check_url(url, allow_private=True, resolve=fake_resolver)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.1.513", "10.1.2.1"),
        ("0x", "0.0.0.0"),
        ("1.2.3.4.", "1.2.3.4"),
        ("hooks.example.com", None),
        ("1.2.3.example", None),
    ],
)
def test_ipv4_literals_are_read_like_inet_aton(host: str, expected: str | None) -> None:
    address = parse_ipv4_literal(host)
    assert (None if address is None else str(address)) == expected
    if expected is not None and "." in host.rstrip(".") and not host.lower().startswith("0x"):
        assert socket.inet_ntoa(socket.inet_aton(host.rstrip("."))) == expected


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1",
        "10.9.8.7",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:c0a8:101::",
        "ff05::2",
        "198.18.3.4",
        "0.0.0.0",
    ],
)
def test_address_problem_refuses_internal_addresses(text: str) -> None:
    assert address_problem(ipaddress.ip_address(text)) is not None
    assert address_problem(ipaddress.ip_address(text), allow_private=True) is None


def test_address_problem_accepts_public_addresses() -> None:
    for text in (
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "::ffff:1.1.1.1",
        "64:ff9b::101:101",
    ):
        assert address_problem(ipaddress.ip_address(text)) is None


def test_system_resolver_returns_loopback_for_localhost() -> None:
    addresses = system_resolver("localhost", 80)
    assert addresses
    assert all(ipaddress.ip_address(a.partition("%")[0]).is_loopback for a in addresses)
    assert len(addresses) == len(set(addresses))
