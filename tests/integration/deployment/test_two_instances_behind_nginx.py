"""The multi-machine deployment, for real: nginx (deploy/nginx/lebrq.conf, TLS with a test
certificate) in front of two `lebrq serve` instances on plain HTTP (LEBRQ_TLS=off,
FORWARDED_ALLOW_IPS=127.0.0.1), sharing one MariaDB database and one S3 bucket (moto).

The instances are started together on an empty database (each migrates under the
migration lock). The client talks to nginx from 127.0.0.2, so its address differs from
the proxy's (127.0.0.1) and the instances' logs show which one they believed. nginx
balances round-robin, so consecutive requests alternate between the instances; each
instance's access log tells which requests it served.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.migrations import head_revision
from tests.support.accounts import new_user, sign_in
from tests.support.booking_factories import venue_payload
from tests.support.databases import _sync_url, create_mariadb_database
from tests.support.granian_process import RunningService, running_service
from tests.support.media import file_body, sample_file
from tests.support.nginx import RunningNginx, running_nginx
from tests.support.s3 import TEST_CREDENTIALS, MotoS3

pytestmark = [pytest.mark.deployment, pytest.mark.granian, pytest.mark.mariadb, pytest.mark.anyio]

CLIENT_ADDRESS = "127.0.0.2"
ADMIN = {"email": "admin@lebrq.test", "password": "admin-password-1"}
SLOT = {"start": "2031-05-01T10:00:00Z", "end": "2031-05-01T12:00:00Z"}
MIB = 1024 * 1024


@dataclass
class Deployment:
    proxy: RunningNginx
    instances: list[RunningService]
    database_url: str
    bucket: str
    s3: MotoS3

    def client(self) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(verify=self.proxy.ssl_context(), local_address=CLIENT_ADDRESS)
        return httpx.AsyncClient(base_url=self.proxy.base_url, transport=transport, timeout=60)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, moto_s3: MotoS3) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("deployment")
    databases = create_mariadb_database(migrated=False)
    database_url = next(databases)
    bucket = moto_s3.new_bucket()
    shared = {
        "LEBRQ_TLS": "off",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "JWT_SECRET": "deployment-test-secret-" + "s" * 32,
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": moto_s3.endpoint,
        "AWS_ACCESS_KEY_ID": TEST_CREDENTIALS["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": TEST_CREDENTIALS["secret_access_key"],
        "ARGON2_MEMORY_KIB": "8",
        "ARGON2_TIME_COST": "1",
        "PDF_RENDER_POOL": "thread",
        # Every request of this test comes from one address: per-address throttles off.
        "LOGIN_LIMIT_PER_ADDRESS": "0",
        "REGISTER_LIMIT_PER_ADDRESS": "0",
        "OTP_LIMIT_PER_ADDRESS": "0",
    }
    # Only one instance bootstraps the administrator.
    environments = [{**shared, "ADMIN_EMAIL": ADMIN["email"], "ADMIN_PASSWORD": ADMIN["password"]}, shared]
    with ExitStack() as stack:
        stack.callback(lambda: next(databases, None))  # drops the database
        # Both at once on the empty database.
        with ThreadPoolExecutor(max_workers=2) as pool:
            starting = [
                pool.submit(_start, stack, folder / f"instance-{n}", env) for n, env in enumerate(environments, 1)
            ]
            instances = [future.result() for future in starting]
        upstreams = [instance.base_url.removeprefix("http://") for instance in instances]
        proxy = stack.enter_context(running_nginx(folder / "nginx", upstreams=upstreams))
        yield Deployment(proxy, instances, database_url, bucket, moto_s3)


def _start(stack: ExitStack, work_dir: Path, env: dict[str, str]) -> RunningService:
    service = running_service(work_dir, config={"workers": 1}, env=env)
    started = service.__enter__()
    stack.push(service.__exit__)
    return started


@pytest.fixture
async def client(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with deployment.client() as http:
        yield http


def access_log(service: RunningService) -> list[dict[str, Any]]:
    entries = []
    for line in service.log().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "granian.access":
                entries.append(entry)
    return entries


def served(service: RunningService, method: str, path: str) -> list[dict[str, Any]]:
    return [e for e in access_log(service) if e.get("method") == method and e.get("path") == path]


def wait_for_log(check: Any, timeout: float = 10.0) -> None:
    """Granian writes an access line once the response is sent: give it a moment."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the expected access log lines never appeared"
        time.sleep(0.1)


async def test_instances_started_together_on_an_empty_database_are_healthy_at_head(
    deployment: Deployment, client: httpx.AsyncClient
) -> None:
    for instance in deployment.instances:
        with instance.client() as direct:
            assert direct.get("/api/health/ready").status_code == 200
    assert (await client.get("/api/health/ready")).status_code == 200
    engine = sa.create_engine(_sync_url(deployment.database_url))
    try:
        with engine.connect() as connection:
            revisions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    assert revisions == [head_revision()]


async def test_twenty_concurrent_bookings_of_one_slot_give_exactly_one_201(
    deployment: Deployment, client: httpx.AsyncClient
) -> None:
    admin = await sign_in(client, ADMIN)
    venue = (await client.post("/api/admin/venues", json=venue_payload(), headers=admin)).json()
    users = [await new_user(client) for _ in range(10)]
    before = [len(served(instance, "POST", "/api/bookings")) for instance in deployment.instances]

    answers = await asyncio.gather(
        *(
            client.post("/api/bookings", json={"venue_id": venue["id"], **SLOT}, headers=users[n % 10])
            for n in range(20)
        )
    )

    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 19}
    # Spread over both instances.
    wait_for_log(lambda: sum(len(served(i, "POST", "/api/bookings")) for i in deployment.instances) == sum(before) + 20)
    after = [len(served(instance, "POST", "/api/bookings")) for instance in deployment.instances]
    assert all(now > then for now, then in zip(after, before, strict=True)), (before, after)


async def test_a_file_uploaded_through_one_instance_downloads_whole_and_by_range_through_the_other(
    deployment: Deployment, client: httpx.AsyncClient
) -> None:
    admin = await sign_in(client, ADMIN)
    data = sample_file("video/mp4", 12 * MIB + 12345)  # a multipart upload of three 5 MiB parts
    body = file_body("video/mp4", data, filename="tour.mp4")
    uploaded = await client.post("/api/uploads/video", content=body.body(), headers=body.headers(**admin))
    assert uploaded.status_code == 201, uploaded.text
    url = uploaded.json()["url"]

    whole = [await client.get(url) for _ in range(2)]
    ranged = [await client.get(url, headers={"Range": "bytes=8388600-8388699"}) for _ in range(2)]

    assert [answer.status_code for answer in whole] == [200, 200]
    assert all(answer.content == data for answer in whole)
    assert [answer.status_code for answer in ranged] == [206, 206]
    assert all(answer.content == data[8388600:8388700] for answer in ranged)
    # The upload went to one instance; downloads were answered by both.
    wait_for_log(lambda: sum(len(served(i, "GET", url)) for i in deployment.instances) == 4)
    assert sum(len(served(i, "POST", "/api/uploads/video")) for i in deployment.instances) == 1
    assert all(len(served(instance, "GET", url)) == 2 for instance in deployment.instances)
    assert "media/" in " ".join(deployment.s3.object_keys(deployment.bucket))


async def test_the_first_invoice_download_on_both_instances_at_once_stores_one_pdf(
    deployment: Deployment, client: httpx.AsyncClient
) -> None:
    admin = await sign_in(client, ADMIN)
    venue = (await client.post("/api/admin/venues", json=venue_payload(), headers=admin)).json()
    user = await new_user(client)
    booking = await client.post("/api/bookings", json={"venue_id": venue["id"], **SLOT}, headers=user)
    assert booking.status_code == 201, booking.text
    booking_id = booking.json()["id"]
    confirmed = await client.post(
        f"/api/admin/bookings/{booking_id}/confirm", json={"payment_reference": "UPI-2031-0001"}, headers=admin
    )
    assert confirmed.status_code == 200, confirmed.text
    path = f"/api/bookings/{booking_id}/invoice"

    first, second = await asyncio.gather(client.get(path, headers=user), client.get(path, headers=user))

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content.startswith(b"%PDF")
    assert first.content == second.content
    wait_for_log(lambda: sum(len(served(i, "GET", path)) for i in deployment.instances) == 2)
    assert all(len(served(instance, "GET", path)) == 1 for instance in deployment.instances)
    pdfs = [key for key in deployment.s3.object_keys(deployment.bucket) if key.startswith("documents/")]
    assert len(pdfs) == 1
    # Later downloads stream that one stored PDF.
    assert (await client.get(path, headers=user)).content == first.content


async def test_the_client_address_in_the_logs_is_the_forwarded_one(
    deployment: Deployment, client: httpx.AsyncClient
) -> None:
    # A client claiming another address gets nowhere: nginx states the address it saw.
    answers = [await client.get("/api/venues", headers={"X-Forwarded-For": "6.6.6.6"}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]

    wait_for_log(lambda: sum(len(served(i, "GET", "/api/venues")) for i in deployment.instances) >= 2)
    for instance in deployment.instances:
        addresses = {entry["addr"] for entry in served(instance, "GET", "/api/venues")}
        assert addresses == {CLIENT_ADDRESS}
        # Every request that came through nginx is logged with the client's address;
        # only the test harness's direct readiness probes come from 127.0.0.1.
        proxied = [e for e in access_log(instance) if not e["path"].startswith("/api/health")]
        assert proxied
        assert {entry["addr"] for entry in proxied} == {CLIENT_ADDRESS}
