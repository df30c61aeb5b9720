"""Who the client really is, behind trusted reverse proxies only.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only when the
direct peer is one of the configured proxies; otherwise anyone could claim any
address and walk around the per-address rate limits. (python-engineio's
aiohttp driver sets ``REMOTE_ADDR`` to 127.0.0.1 whatever the peer, so never
use that either.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ProxyPolicy:
    """The reverse proxies whose forwarding headers we trust."""

    networks: tuple[IpNetwork, ...]

    @classmethod
    def from_config(cls, values: Iterable[str]) -> ProxyPolicy:
        return cls(tuple(ipaddress.ip_network(v, strict=False) for v in values))

    def is_trusted(self, address: str | None) -> bool:
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client_address(self, request: web.Request) -> str:
        """The nearest address that is not one of our proxies."""
        peer = request.remote or "unknown"
        if not self.is_trusted(peer):
            return peer
        # A proxy may add its own header line rather than extend the client's
        # one: all the lines, in order, make one list (RFC 9110 §5.3).
        forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    def is_https(self, request: web.Request) -> bool:
        """Whether the client reached us over TLS (directly or at the proxy)."""
        if request.transport is not None and request.transport.get_extra_info("sslcontext"):
            return True
        if self.is_trusted(request.remote):
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            return proto == "https"
        return False
