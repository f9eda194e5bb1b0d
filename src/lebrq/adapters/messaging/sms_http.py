"""SMS through an HTTP gateway bridge: JSON POST `{to, text}` with
`Authorization: Bearer SMS_TOKEN`. httpx is imported on first send.

The bridge's answer decides what happens next: 2xx delivered; 4xx refuses this message
for good (an invalid number...), except 401/403 (the token: configuration), 408 and 429
(try later); 5xx and network errors are tried again. The bridge's response body is never
recorded: a bridge may echo the text, and the text may hold a one-time code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lebrq.domain.model.outbox import DeliveryFailed, OutgoingMessage

if TYPE_CHECKING:
    import httpx

_RETRYABLE_4XX = frozenset({401, 403, 408, 429})


class HttpSmsChannel:
    def __init__(self, *, url: str, token: str, timeout_seconds: float = 15.0) -> None:
        self._url = url
        self._token = token
        self._timeout = timeout_seconds
        self._client: httpx.AsyncClient | None = None

    async def send(self, message: OutgoingMessage) -> None:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        try:
            response = await self._client.post(
                self._url,
                json={"to": message.recipient, "text": message.sms_text},
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.HTTPError as exc:
            # The exception's text may carry the URL; its type says enough.
            raise DeliveryFailed(f"SMS bridge unreachable: {type(exc).__name__}", permanent=False) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        if 400 <= status < 500 and status not in _RETRYABLE_4XX:
            raise DeliveryFailed(f"SMS bridge refused the message: HTTP {status}", permanent=True)
        raise DeliveryFailed(f"SMS bridge answered HTTP {status}", permanent=False)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
