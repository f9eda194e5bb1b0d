"""Which client address and scheme the app sees behind proxies (FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

from typing import Any

import pytest

from lebrq.http.forwarded import ForwardedHeaders, TrustedProxies

pytestmark = pytest.mark.anyio

PROXY = "10.0.0.5"


async def seen_by_app(trusted: str, peer: str | None, headers: list[tuple[str, str]], kind: str = "http") -> Any:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"], scheme=scope["scheme"])

    scope = {
        "type": kind,
        "client": (peer, 51000) if peer else None,
        "scheme": "http" if kind == "http" else "ws",
        "headers": [(name.lower().encode(), value.encode("latin-1")) for name, value in headers],
    }
    await ForwardedHeaders(app, TrustedProxies.parse(trusted))(scope, None, None)
    return seen["client"][0] if seen["client"] else None, seen["scheme"]


async def test_a_trusted_proxy_gives_the_client_address_and_scheme() -> None:
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]
    assert await seen_by_app(PROXY, PROXY, headers) == ("203.0.113.7", "https")


async def test_headers_from_an_untrusted_peer_are_ignored() -> None:
    headers = [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"), ("Forwarded", "for=1.2.3.4")]
    assert await seen_by_app(PROXY, "198.51.100.9", headers) == ("198.51.100.9", "http")
    # No FORWARDED_ALLOW_IPS at all: nobody is trusted.
    assert await seen_by_app("", PROXY, headers) == (PROXY, "http")


async def test_a_client_cannot_prepend_an_address_through_the_proxy() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    headers = [("X-Forwarded-For", "1.2.3.4, 203.0.113.7")]
    assert (await seen_by_app(PROXY, PROXY, headers))[0] == "203.0.113.7"


async def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    headers = [("X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.0.1.1"), ("X-Forwarded-For", "10.0.2.2")]
    assert (await seen_by_app("10.0.0.0/16", PROXY, headers))[0] == "203.0.113.7"
    # Every hop trusted: the leftmost one.
    assert (await seen_by_app("10.0.0.0/16", PROXY, [("X-Forwarded-For", "10.0.9.9, 10.0.1.1")]))[0] == "10.0.9.9"


async def test_the_rfc_7239_header_is_read_when_there_is_no_x_forwarded_for() -> None:
    headers = [("Forwarded", 'for="[2001:db8::17]:4711";proto=https, for=10.0.1.1;proto=http')]
    assert await seen_by_app("10.0.0.0/16", PROXY, headers) == ("2001:db8::17", "http")
    assert (await seen_by_app(PROXY, PROXY, [("Forwarded", "for=192.0.2.43:47011")]))[0] == "192.0.2.43"


async def test_x_forwarded_for_wins_over_a_forwarded_header_the_proxy_passed_through() -> None:
    headers = [("Forwarded", "for=1.2.3.4"), ("X-Forwarded-For", "203.0.113.7")]
    assert (await seen_by_app(PROXY, PROXY, headers))[0] == "203.0.113.7"


async def test_a_hop_that_is_not_an_address_leaves_the_peer() -> None:
    assert (await seen_by_app(PROXY, PROXY, [("Forwarded", "for=unknown")]))[0] == PROXY
    assert (await seen_by_app(PROXY, PROXY, [("X-Forwarded-For", "<script>")]))[0] == PROXY


async def test_an_unknown_scheme_is_ignored_and_websockets_get_ws_schemes() -> None:
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "gopher")]
    assert (await seen_by_app(PROXY, PROXY, headers))[1] == "http"
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]
    assert (await seen_by_app(PROXY, PROXY, headers, kind="websocket"))[1] == "wss"


async def test_trust_everyone() -> None:
    assert (await seen_by_app("*", "198.51.100.9", [("X-Forwarded-For", "1.2.3.4, 5.6.7.8")]))[0] == "1.2.3.4"


async def test_no_peer_address_is_left_alone() -> None:
    # A Unix socket peer has no address: nothing to trust.
    assert await seen_by_app(PROXY, None, [("X-Forwarded-For", "1.2.3.4")]) == (None, "http")


@pytest.mark.parametrize("text", ["nginx", "10.0.0.300", "10.0.0.0/33"])
def test_a_bad_setting_names_the_item(text: str) -> None:
    with pytest.raises(ValueError, match="not an IP address or network"):
        TrustedProxies.parse(text)
