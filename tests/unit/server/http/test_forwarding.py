"""``ProxyPolicy``: forwarding headers are believed from trusted proxies only."""

from __future__ import annotations

import ssl

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from server.http.forwarding import ProxyPolicy

PROXIES = ProxyPolicy.from_config(["10.0.0.0/8", "fd00::/8", "192.0.2.1"])
NO_PROXIES = ProxyPolicy.from_config([])


def request(
    peer: str | None,
    headers: list[tuple[str, str]] | None = None,
    *,
    tls: bool = False,
) -> web.Request:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER) if tls else None
    mocked = make_mocked_request("GET", "/", headers=CIMultiDict(headers or []), sslcontext=context)
    return mocked if peer is None else mocked.clone(remote=peer)


def xff(*values: str) -> list[tuple[str, str]]:
    return [("X-Forwarded-For", value) for value in values]


@pytest.mark.parametrize(
    ("policy", "peer", "headers", "expected"),
    [
        # no trusted proxy: the peer, whatever the headers claim
        (NO_PROXIES, "203.0.113.7", [], "203.0.113.7"),
        (NO_PROXIES, "203.0.113.7", xff("198.51.100.1"), "203.0.113.7"),
        (NO_PROXIES, "10.0.0.1", xff("198.51.100.1"), "10.0.0.1"),
        # a peer that is not one of our proxies cannot claim another address
        (PROXIES, "203.0.113.7", xff("198.51.100.1"), "203.0.113.7"),
        (PROXIES, "10.0.0.1", [], "10.0.0.1"),
        # one trusted hop
        (PROXIES, "10.0.0.1", xff("203.0.113.7"), "203.0.113.7"),
        (PROXIES, "192.0.2.1", xff("203.0.113.7"), "203.0.113.7"),
        (PROXIES, "fd00::5", xff("2001:db8::7"), "2001:db8::7"),
        # several hops: the nearest address that is not ours, never the
        # client-written left end of the list
        (PROXIES, "10.0.0.1", xff("198.51.100.1, 203.0.113.7, 10.0.0.2"), "203.0.113.7"),
        (PROXIES, "10.0.0.1", xff(" 198.51.100.1 ,203.0.113.7 "), "203.0.113.7"),
        (PROXIES, "10.0.0.1", xff("198.51.100.1, 203.0.113.7, 192.0.2.1"), "203.0.113.7"),
        # only our proxies in the list: the farthest one
        (PROXIES, "10.0.0.1", xff("10.0.0.9, 10.0.0.8"), "10.0.0.9"),
        # an empty header is no header
        (PROXIES, "10.0.0.1", xff(" , "), "10.0.0.1"),
        # the header split over several lines is one list, in order
        (PROXIES, "10.0.0.1", xff("198.51.100.1", "203.0.113.7"), "203.0.113.7"),
        (PROXIES, "10.0.0.1", xff("198.51.100.1", "203.0.113.7, 10.0.0.2"), "203.0.113.7"),
    ],
)
def test_client_address(policy: ProxyPolicy, peer: str, headers, expected: str):
    assert policy.client_address(request(peer, headers)) == expected


def test_unknown_peer():
    assert NO_PROXIES.client_address(request(None)) == "unknown"
    assert PROXIES.client_address(request(None, xff("203.0.113.7"))) == "unknown"


@pytest.mark.parametrize(
    ("address", "trusted"),
    [
        ("10.1.2.3", True),
        ("192.0.2.1", True),
        ("192.0.2.2", False),
        ("fd00::1", True),
        ("2001:db8::1", False),
        ("not-an-address", False),
        ("", False),
        (None, False),
    ],
)
def test_is_trusted(address: str | None, trusted: bool):
    assert PROXIES.is_trusted(address) is trusted
    assert NO_PROXIES.is_trusted(address) is False


@pytest.mark.parametrize(
    ("policy", "peer", "headers", "tls", "expected"),
    [
        (NO_PROXIES, "203.0.113.7", [], False, False),
        (NO_PROXIES, "203.0.113.7", [], True, True),
        # only a trusted proxy may say the client used TLS
        (NO_PROXIES, "203.0.113.7", [("X-Forwarded-Proto", "https")], False, False),
        (PROXIES, "203.0.113.7", [("X-Forwarded-Proto", "https")], False, False),
        (PROXIES, "10.0.0.1", [("X-Forwarded-Proto", "https")], False, True),
        (PROXIES, "10.0.0.1", [("X-Forwarded-Proto", "HTTPS")], False, True),
        (PROXIES, "10.0.0.1", [("X-Forwarded-Proto", "https, http")], False, True),
        (PROXIES, "10.0.0.1", [("X-Forwarded-Proto", "http")], False, False),
        (PROXIES, "10.0.0.1", [], False, False),
        (PROXIES, "10.0.0.1", [("X-Forwarded-Proto", "http")], True, True),
    ],
)
def test_is_https(policy: ProxyPolicy, peer: str, headers, tls: bool, expected: bool):
    assert policy.is_https(request(peer, headers, tls=tls)) is expected
