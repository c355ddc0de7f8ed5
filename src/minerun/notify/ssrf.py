"""Guard against server-side request forgery for outbound notification URLs.

A URL is checked twice: when it is registered (:func:`check_url`, which accepts a name that
does not resolve yet) and before every delivery (:func:`resolve_and_pin`, which resolves the
name once, refuses it unless every address is public, and returns the address the connection
must use, so a second DNS answer cannot point the request elsewhere).

Refused: schemes other than http and https, user info, control characters and backslashes,
``localhost`` names, and addresses in the loopback, private, link-local, shared (CGNAT),
unspecified, multicast, documentation, benchmarking and reserved ranges, including IPv6 forms
that embed such an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo). Numeric hosts are
read the way ``inet_aton`` and browsers read them (``2130706433``, ``0177.0.0.1``,
``0x7f000001`` and ``127.1`` are all 127.0.0.1). ``allow_private`` lifts the range checks for
local receivers; cloud metadata addresses stay refused even then.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import SplitResult, urlsplit

from minerun.notify.errors import UnresolvedHostError, UnsafeUrlError

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""Returns the addresses of ``(host, port)``; raises ``OSError`` when the name does not resolve."""

MAX_URL_LENGTH = 2048
UNRESOLVED_NOTE = "the host name does not resolve now; it is checked again at every delivery"
DEFAULT_PORTS = {"http": 80, "https": 443}

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(text)
    for text in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})

_IPV4_RANGES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "'this network' address"),
        ("10.0.0.0/8", "private address"),
        ("100.64.0.0/10", "shared (CGNAT) address"),
        ("127.0.0.0/8", "loopback address"),
        ("169.254.0.0/16", "link-local address"),
        ("172.16.0.0/12", "private address"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation address"),
        ("192.88.99.0/24", "reserved 6to4 relay address"),
        ("192.168.0.0/16", "private address"),
        ("198.18.0.0/15", "benchmarking address"),
        ("198.51.100.0/24", "documentation address"),
        ("203.0.113.0/24", "documentation address"),
        ("224.0.0.0/4", "multicast address"),
        ("240.0.0.0/4", "reserved address"),
    )
)
_IPV6_RANGES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "unspecified address"),
        ("::1/128", "loopback address"),
        ("::/96", "deprecated IPv4-compatible address"),
        ("64:ff9b:1::/48", "local-use NAT64 address"),
        ("100::/64", "discard-only address"),
        ("2001:2::/48", "benchmarking address"),
        ("2001:10::/28", "ORCHID address"),
        ("2001:20::/28", "ORCHID address"),
        ("2001:db8::/32", "documentation address"),
        ("3fff::/20", "documentation address"),
        ("fc00::/7", "unique local (private) address"),
        ("fe80::/10", "link-local address"),
        ("fec0::/10", "site-local address"),
        ("ff00::/8", "multicast address"),
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_TRANSLATED = IPv6Network("::ffff:0:0:0/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")

_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_NUMERIC_LABEL = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A URL accepted at registration.

    ``addresses`` are the addresses that were checked; when the name did not resolve,
    ``resolved`` is False, ``addresses`` is empty and ``note`` says it is checked at delivery.
    """

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    resolved: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """Where one delivery connects: ``ip`` and ``port``, presenting ``host`` (Host, SNI)."""

    host: str
    port: int
    ip: str
    scheme: str


@dataclass(frozen=True, slots=True)
class _Parsed:
    scheme: str
    host: str
    port: int
    literal: IPAddress | None


def system_resolver(host: str, port: int) -> list[str]:
    """The TCP addresses of ``host`` from ``getaddrinfo``, in its order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(
    url: str, allow_private: bool = False, resolve: Resolver = system_resolver
) -> CheckedUrl:
    """Check a URL at registration; raise :class:`UnsafeUrlError` if it is refused.

    A name that does not resolve is accepted with ``resolved=False``: the check is repeated
    by :func:`resolve_and_pin` before each delivery.
    """
    parsed = _parse(url, allow_private)
    addresses = _addresses(parsed, resolve)
    if not addresses:
        return CheckedUrl(url, parsed.scheme, parsed.host, parsed.port, (), False, UNRESOLVED_NOTE)
    _refuse_unsafe(addresses, allow_private, url)
    texts = tuple(str(address) for address in addresses)
    return CheckedUrl(url, parsed.scheme, parsed.host, parsed.port, texts, True)


def resolve_and_pin(
    url: str, allow_private: bool = False, resolve: Resolver = system_resolver
) -> PinnedTarget:
    """Resolve the URL's host once and return the address a delivery must connect to.

    Every address of the name is checked (an attacker could otherwise rely on the client
    picking a bad one); the first is pinned. Raises :class:`UnresolvedHostError` when the name
    does not resolve and :class:`UnsafeUrlError` when the URL or an address is refused.
    """
    parsed = _parse(url, allow_private)
    addresses = _addresses(parsed, resolve)
    if not addresses:
        raise UnresolvedHostError(f"host {parsed.host!r} does not resolve", url)
    _refuse_unsafe(addresses, allow_private, url)
    return PinnedTarget(parsed.host, parsed.port, str(addresses[0]), parsed.scheme)


def address_problem(address: IPAddress, allow_private: bool = False) -> str | None:
    """Why ``address`` is refused as a notification target, or None when it is allowed."""
    for kind, embedded in _embedded_ipv4(address):
        problem = address_problem(embedded, allow_private)
        if problem is not None:
            return f"{kind} form of {embedded} ({problem})"
    if address in METADATA_ADDRESSES:
        return "cloud metadata address"
    if allow_private:
        return None
    return _range_problem(address)


def parse_ipv4_literal(host: str) -> IPv4Address | None:
    """Read ``host`` as ``inet_aton`` would: None if it is a name, an address if numeric.

    A host whose last label is numeric (decimal, ``0x`` hex or ``0`` octal) must be a valid
    one- to four-part IPv4 address; otherwise :class:`UnsafeUrlError` is raised, since
    resolvers and browsers disagree on what such a host means.
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    parts = [_ipv4_part(label) for label in labels]
    if len(parts) > 4 or None in parts:
        raise UnsafeUrlError(f"host {host!r} is neither a name nor a valid IPv4 address")
    numbers = [part for part in parts if part is not None]
    *head, tail = numbers
    if any(number > 255 for number in head) or tail >= 256 ** (5 - len(numbers)):
        raise UnsafeUrlError(f"host {host!r} is an IPv4 address out of range")
    value = sum(number << (8 * (3 - index)) for index, number in enumerate(head)) + tail
    return IPv4Address(value)


def _ipv4_part(label: str) -> int | None:
    if not _NUMERIC_LABEL.fullmatch(label):
        return None
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8) if set(label) <= set("01234567") else None
    return int(label)


def _parse(url: str, allow_private: bool) -> _Parsed:
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(f"URL longer than {MAX_URL_LENGTH} characters", url)
    if _FORBIDDEN_CHARACTERS.search(url):
        raise UnsafeUrlError("URL contains whitespace, control characters or backslashes", url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"URL cannot be parsed: {exc}", url) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrlError(f"scheme {parts.scheme!r} is not http or https", url)
    if "@" in parts.netloc:
        raise UnsafeUrlError("URL contains user info (user@host)", url)
    if port == 0:
        raise UnsafeUrlError("port 0 is not allowed", url)
    host = parts.hostname or ""
    literal = _literal(parts, host, url)
    if literal is None:
        _check_name(host, allow_private, url)
    return _Parsed(scheme, host, port or DEFAULT_PORTS[scheme], literal)


def _literal(parts: SplitResult, host: str, url: str) -> IPAddress | None:
    if not host:
        raise UnsafeUrlError("URL has no host", url)
    if parts.netloc.startswith("["):
        if "%" in host:
            raise UnsafeUrlError("IPv6 zone identifiers are not allowed", url)
        try:
            return IPv6Address(host)
        except ValueError as exc:
            raise UnsafeUrlError(f"invalid IPv6 address {host!r}", url) from exc
    if not host.isascii() or not _HOST_NAME.fullmatch(host):
        raise UnsafeUrlError(
            f"host {host!r} is not a valid ASCII host name (use the xn-- form of IDN)", url
        )
    return parse_ipv4_literal(host)


def _check_name(host: str, allow_private: bool, url: str) -> None:
    name = host.rstrip(".")
    if len(name) > 253 or any(len(label) > 63 for label in name.split(".")):
        raise UnsafeUrlError(f"host {host!r} is not a valid host name", url)
    if name in _METADATA_NAMES:
        raise UnsafeUrlError(f"host {host!r} is a cloud metadata service", url)
    if not allow_private and (name == "localhost" or name.endswith(".localhost")):
        raise UnsafeUrlError(f"host {host!r} is a loopback name", url)


def _addresses(parsed: _Parsed, resolve: Resolver) -> tuple[IPAddress, ...]:
    """The literal address, or the resolved ones (empty when the name does not resolve)."""
    if parsed.literal is not None:
        return (parsed.literal,)
    try:
        texts = resolve(parsed.host, parsed.port)
    except OSError:
        return ()
    try:
        # getaddrinfo may append a zone ("fe80::1%eth0"); the range check ignores it.
        return tuple(ipaddress.ip_address(text.partition("%")[0]) for text in texts)
    except ValueError as exc:
        raise UnsafeUrlError(f"resolver returned an invalid address: {exc}") from exc


def _refuse_unsafe(addresses: Sequence[IPAddress], allow_private: bool, url: str) -> None:
    for address in addresses:
        problem = address_problem(address, allow_private)
        if problem is not None:
            raise UnsafeUrlError(f"{address} is refused: {problem}", url)


def _embedded_ipv4(address: IPAddress) -> Iterator[tuple[str, IPv4Address]]:
    if isinstance(address, IPv4Address):
        return
    low32 = IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        yield "IPv4-mapped", address.ipv4_mapped
    elif address in _IPV4_TRANSLATED:
        yield "IPv4-translated", low32
    elif address in _NAT64:
        yield "NAT64", low32
    elif address in _IPV4_COMPATIBLE and int(address) > 1:
        yield "IPv4-compatible", low32
    elif address.sixtofour is not None:
        yield "6to4", address.sixtofour
    elif address.teredo is not None:
        server, client = address.teredo
        yield "Teredo", server
        yield "Teredo", client


def _range_problem(address: IPAddress) -> str | None:
    if isinstance(address, IPv4Address):
        for network, reason in _IPV4_RANGES:
            if address in network:
                return reason
        return None if address.is_global else "address that is not globally routable"
    for network6, reason in _IPV6_RANGES:
        if address in network6:
            return reason
    carried = any(True for _ in _embedded_ipv4(address))
    if not carried and address not in _GLOBAL_UNICAST:
        return "reserved address (outside 2000::/3)"
    return None
