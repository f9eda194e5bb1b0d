"""The client's address and scheme as reported by trusted proxies (FORWARDED_ALLOW_IPS).

Behind nginx every connection comes from the proxy, so without this every client would
share the proxy's address in logs, metrics and rate limits. Only a peer listed in
FORWARDED_ALLOW_IPS is believed; from anyone else the headers are ignored, so a client
cannot pick its own address by sending them.

Convention (uvicorn's): X-Forwarded-For lists the hops, the original client first and
each proxy appending the address it received the request from. The client is the
rightmost hop that is not a trusted proxy (everything to its left was written by the
client itself and may be forged); if every hop is trusted, the leftmost one.
X-Forwarded-Proto gives the scheme (its last value, the one our own peer wrote). The
standard `Forwarded` header (RFC 7239) is read the same way, but only when there is no
X-Forwarded-For: a proxy that sets X-Forwarded-For but passes `Forwarded` through
untouched would otherwise let the client write it.

The rewrite happens on the ASGI scope itself, in front of Litestar, so
`request.client.host`, the metrics and rate limits in the app, and Granian's access log
(which reads the same scope after the response) all see the client's address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = frozenset({"http", "https", "ws", "wss"})


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IpNetwork, ...] = ()
    everyone: bool = False

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """`"10.0.0.5, 10.1.0.0/16, ::1"`; `"*"` trusts every peer; `""` none.
        Raises ValueError naming an item that is neither an address nor a network."""
        items = [item.strip() for item in text.split(",") if item.strip()]
        if items == ["*"]:
            return cls(everyone=True)
        networks: list[IpNetwork] = []
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return cls(networks=tuple(networks))

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)

    def trusts(self, host: str | None) -> bool:
        if self.everyone:
            return True
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client_among(self, hops: list[str]) -> str | None:
        """The client's address among `hops` (original client first), or None when the
        chosen hop is not an IP address (e.g. RFC 7239's "unknown")."""
        if not hops:
            return None
        chosen = hops[0] if self.everyone else next((h for h in reversed(hops) if not self.trusts(h)), hops[0])
        address = _address(chosen)
        return str(address) if address is not None else None


def _address(host: str | None) -> IpAddress | None:
    if not host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class ForwardedHeaders:
    """ASGI wrapper: rewrites `scope["client"]` and `scope["scheme"]` from the headers of a
    trusted peer, then calls the app."""

    def __init__(self, app: Any, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer and self.trusted.trusts(peer[0]):
                _apply(scope, self.trusted)
        await self.app(scope, receive, send)


def _apply(scope: Any, trusted: TrustedProxies) -> None:
    forwarded_for: list[str] = []
    forwarded_proto: list[str] = []
    forwarded: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded_for.append(value.decode("latin-1"))
        elif name == b"x-forwarded-proto":
            forwarded_proto.append(value.decode("latin-1"))
        elif name == b"forwarded":
            forwarded.append(value.decode("latin-1"))
    if forwarded_for:
        hops = _split(forwarded_for)
        protos = _split(forwarded_proto)
        scheme = protos[-1].lower() if protos else None
    elif forwarded:
        elements = [_parse_element(element) for element in _split(forwarded)]
        hops = [_strip_port(element.get("for", "")) for element in elements]
        protos = [element["proto"].lower() for element in elements if "proto" in element]
        scheme = protos[-1] if protos else None
    else:
        return
    client = trusted.client_among(hops)
    if client is None:
        return
    scope["client"] = (client, 0)
    if scheme in SCHEMES:
        if scope["type"] == "websocket":
            scheme = scheme.replace("http", "ws")
        scope["scheme"] = scheme


def _split(values: Iterable[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _parse_element(element: str) -> dict[str, str]:
    """`for=192.0.2.60;proto=https;by=203.0.113.43` -> {"for": ..., "proto": ..., "by": ...}"""
    pairs: dict[str, str] = {}
    for pair in element.split(";"):
        name, _, value = pair.partition("=")
        pairs[name.strip().lower()] = value.strip().strip('"')
    return pairs


def _strip_port(node: str) -> str:
    """RFC 7239 node: `192.0.2.43:47011`, `[2001:db8::1]:4711`, `[2001:db8::1]`, `unknown`."""
    if node.startswith("["):
        return node[1:].partition("]")[0]
    if node.count(":") == 1:
        return node.partition(":")[0]
    return node
