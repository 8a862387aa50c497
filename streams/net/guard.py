"""The private-address guard: is a user-supplied URL safe to call from inside our network?

A URL passes when it is http(s), has a host, and EVERY address its host resolves to is a public
unicast address. Refused: loopback, private (RFC 1918, ULA), link-local (incl. the cloud metadata
address 169.254.169.254), multicast, reserved, unspecified, IPv6 site-local, shared address space
(100.64.0.0/10), and IPv6 addresses that embed such an IPv4 address (IPv4-mapped, IPv4-compatible,
NAT64, 6to4, Teredo). Checking every address (not just the first) matters: a name that resolves
to one public and one private address could otherwise be connected to the private one.

Hosts in ``allowed_hosts`` skip the address check (local development and tests). They match the
host exactly as written in the URL, case-insensitively: allowing ``127.0.0.1`` does not allow
``localhost`` or ``2130706433``.

The check alone leaves a window between resolving and connecting (DNS rebinding: a name that
resolves to a public address for the check and a private one for the connection).
``streams.net.pinned`` closes it by connecting to the very addresses checked here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import httpx

from streams.errors import UnsafeUrl

IPAddress = IPv4Address | IPv6Address

SCHEMES = ("http", "https")
_SHARED = IPv4Network("100.64.0.0/10")
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo client)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be called (``"loopback"``, ``"private"``, ...), or None if it is public."""
    if isinstance(ip, IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and (reason := refusal(inner)):
            return f"{reason} IPv4 {inner} embedded in IPv6"
        if inner is not None and (ip.ipv4_mapped or ip in _NAT64):
            return None  # a public IPv4 address seen through IPv6 (DNS64/NAT64): judged by it
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, IPv6Address) and ip.is_site_local, "site-local"),
        (isinstance(ip, IPv4Address) and ip in _SHARED, "shared (carrier-grade NAT)"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-global"),
    )
    return next((reason for refused, reason in checks if refused), None)


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` (the rest as given)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return shown(url)
    return str(parsed.copy_with(username="***", password=None)) if parsed.userinfo else url


def shown(url: str) -> str:
    """``url`` as messages may show it: without its credentials (``user:password@``) and its query's
    values (tokens, signatures), which a stored error or a log would keep for anyone to read."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return repr(url[:80].split("@")[-1].split("?")[0]) + " (not a URL)"
    if parsed.userinfo:
        parsed = parsed.copy_with(username="***", password=None)
    text = str(parsed.copy_with(query=None, fragment=None))
    return text + ("?…" if parsed.query else "")


def target(url: str) -> tuple[httpx.URL, str]:
    """The parsed URL and its host (lower case, IDNA-encoded, IPv6 without brackets), or UnsafeUrl.
    Parsed by httpx, the same parser that will send the request, so the host checked is the host
    connected to."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"{shown(url)} is not a valid URL: {exc}") from None
    if parsed.scheme not in SCHEMES:
        raise UnsafeUrl(f"{shown(url)}: only http and https URLs are allowed")
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise UnsafeUrl(f"{shown(url)} has no host")
    return parsed, host


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal is itself), in resolver order."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"the host {host!r} does not resolve ({exc})", retriable=True) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def check_url(url: str, allowed_hosts: frozenset[str] = frozenset()) -> list[IPAddress]:
    """The addresses ``url`` may be called at, or UnsafeUrl. Blocking (DNS): from async code use
    ``check_url_async``."""
    parsed, host = target(url)
    addresses = resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    if host in allowed_hosts:
        return addresses
    for ip in addresses:
        if reason := refusal(ip):
            raise UnsafeUrl(f"{shown(url)} is refused: its host {host} resolves to {ip}, a {reason} address")
    return addresses


async def check_url_async(url: str, allowed_hosts: frozenset[str] = frozenset()) -> list[IPAddress]:
    """``check_url`` with the DNS lookup off the event loop."""
    return await asyncio.to_thread(check_url, url, allowed_hosts)
