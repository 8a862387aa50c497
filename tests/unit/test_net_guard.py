"""The private-address guard: every class of non-public address is refused, by IP literal and by
name; allowed hosts pass exactly as written; only http(s)."""

import ipaddress

import pytest

from streams.errors import UnsafeUrl
from streams.net.guard import check_url, refusal
from streams.settings import Settings

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",  # the cloud metadata service
    "100.64.0.1": "shared",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "0.0.0.0": "unspecified",
    "255.255.255.255": "reserved",
    "198.18.0.1": "private",
    "192.0.2.1": "private",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "fd12:3456::1": "private",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "2001:db8::1": "private",
    "::ffff:127.0.0.1": "loopback IPv4 127.0.0.1 embedded",
    "::ffff:10.0.0.1": "private IPv4 10.0.0.1 embedded",
    "::ffff:169.254.169.254": "link-local IPv4",
    "2002:7f00:1::1": "loopback IPv4 127.0.0.1 embedded",  # 6to4
    "2002:a9fe:a9fe::1": "link-local IPv4",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "loopback IPv4",  # Teredo, client 127.0.0.1
    "64:ff9b::a00:1": "private IPv4 10.0.0.1",  # NAT64
    "::7f00:1": "loopback IPv4",  # IPv4-compatible
}


@pytest.mark.parametrize("literal,reason", sorted(REFUSED.items()))
def test_every_non_public_address_class_is_refused(literal, reason):
    host = f"[{literal}]" if ":" in literal else literal
    with pytest.raises(UnsafeUrl) as caught:
        check_url(f"http://{host}:8080/hook")
    assert caught.value.code == "unsafe_url"
    assert reason in caught.value.message
    assert reason.split()[0] in refusal(ipaddress.ip_address(literal))


@pytest.mark.parametrize("literal", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_pass(literal):
    host = f"[{literal}]" if ":" in literal else literal
    assert check_url(f"https://{host}/hook") == [ipaddress.ip_address(literal)]


def test_localhost_is_refused_by_name():
    with pytest.raises(UnsafeUrl, match="loopback"):
        check_url("http://localhost:9/hook")
    with pytest.raises(UnsafeUrl, match="loopback"):
        check_url("http://LocalHost/hook")


def test_decimal_and_hex_spellings_of_loopback_are_refused():
    # inet_aton spellings that some resolvers accept: refused whatever the resolver makes of them
    for url in ("http://2130706433/", "http://0x7f.1/", "http://017700000001/"):
        with pytest.raises(UnsafeUrl):
            check_url(url)


def test_an_allowed_host_passes_and_returns_its_addresses():
    assert check_url("http://127.0.0.1:8080/x", frozenset({"127.0.0.1"})) == [ipaddress.ip_address("127.0.0.1")]
    loopbacks = check_url("http://LOCALHOST:8080/x", frozenset({"localhost"}))
    assert loopbacks and all(ip.is_loopback for ip in loopbacks)
    assert check_url("http://[::1]/", Settings(webhook_allowed_hosts="[::1]").webhook_hosts) == [ipaddress.ip_address("::1")]


def test_allowed_hosts_match_the_host_exactly_as_written():
    allowed = frozenset({"127.0.0.1"})
    for url in ("http://localhost/", "http://2130706433/", "http://[::ffff:127.0.0.1]/"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allowed)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/",
                                 "javascript:alert(1)", "example.com/hook", "http:///nohost", ""])
def test_only_http_urls_with_a_host_are_accepted(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_an_unresolvable_host_is_refused_as_retriable():
    with pytest.raises(UnsafeUrl) as caught:
        check_url("https://does-not-exist.invalid/hook")
    assert caught.value.retriable


def test_the_allowed_hosts_setting_is_read_as_a_set_of_hosts():
    assert Settings(webhook_allowed_hosts="").webhook_hosts == frozenset()
    hosts = Settings(webhook_allowed_hosts=" 127.0.0.1, LocalHost ,,[::1]").webhook_hosts
    assert hosts == frozenset({"127.0.0.1", "localhost", "::1"})
