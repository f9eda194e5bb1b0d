"""What the service exposes: /metrics only to whom METRICS_TOKEN/LEBRQ_ENV allow,
`X-Content-Type-Options: nosniff` on every answer, a sandboxing CSP on downloads,
HSTS over TLS only (SQLite and MariaDB, over HTTP through the app)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.admin.conftest import AdminApi, OpenApi
from tests.support.media import file_body, sample_file

pytestmark = pytest.mark.anyio

TOKEN = "metrics-token-" + "m" * 24
HSTS = "max-age=31536000; includeSubDomains"


async def test_every_answer_says_nosniff_and_plain_http_gets_no_hsts(api: AdminApi) -> None:
    too_big = b"{" + b" " * (16 * 1024 * 1024) + b"}"
    answers = [
        await api.client.get("/api/health"),
        await api.client.get("/api/no/such/route"),
        await api.client.get("/api/auth/me"),
        await api.client.get("/api/venues", params={"page": 0}),
        await api.client.post("/api/admin/venues", content=too_big, headers=api.admin),
        await api.client.get("/api/venues/999999"),
        await api.client.delete("/api/health"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 401, 400, 413, 404, 405]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url
        assert "strict-transport-security" not in answer.headers


async def test_answers_over_tls_carry_hsts(api: AdminApi) -> None:
    transport = api.client._transport  # the same app, reached as https://
    async with httpx.AsyncClient(transport=transport, base_url="https://lebrq.test") as tls_client:
        for path in ("/api/health", "/api/no/such/route"):
            answer = await tls_client.get(path)
            assert answer.headers["strict-transport-security"] == HSTS
            assert answer.headers["x-content-type-options"] == "nosniff"


async def test_downloads_are_sandboxed(api: AdminApi) -> None:
    upload = file_body("image/png", sample_file("image/png"), filename="page.png")
    media = (
        await api.client.post("/api/uploads/image", content=upload.body(), headers=upload.headers(**api.admin))
    ).json()
    for answer in (
        await api.client.get(media["url"]),
        await api.client.head(media["url"]),
        await api.client.get(media["url"], headers={"Range": "bytes=0-9"}),
        await api.client.get(media["url"], headers={"If-None-Match": f'"{media["sha256"]}"'}),
    ):
        assert answer.status_code in (200, 206, 304)
        assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"
        assert answer.headers["x-content-type-options"] == "nosniff"


async def test_metrics_are_public_in_development_without_a_token(api: AdminApi) -> None:
    answer = await api.client.get("/metrics")
    assert answer.status_code == 200
    assert "lebrq" in answer.text


async def test_metrics_need_the_token_or_an_admin_when_a_token_is_set(open_api: OpenApi) -> None:
    async with open_api(metrics_token=TOKEN) as api:
        _, user = await api.new_user()
        anonymous = await api.client.get("/metrics")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert (await api.client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1]})).status_code == 401
        assert (await api.client.get("/metrics", headers={"Authorization": "Basic " + TOKEN})).status_code == 401
        assert (await api.client.get("/metrics", headers=user)).status_code == 403
        assert (await api.client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN})).status_code == 200
        assert (await api.client.get("/metrics", headers=api.admin)).status_code == 200


async def test_metrics_are_for_admins_only_in_production_without_a_token(open_api: OpenApi) -> None:
    # Production needs a real message channel to start; nothing is sent in this test.
    async with open_api(lebrq_env="production", smtp_host="127.0.0.1", mail_from="bookings@lebrq.test") as api:
        _, user = await api.new_user()
        assert (await api.client.get("/metrics")).status_code == 401
        assert (await api.client.get("/metrics", headers=user)).status_code == 403
        assert (await api.client.get("/metrics", headers=api.admin)).status_code == 200
