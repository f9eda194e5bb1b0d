from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from lebrq import __version__
from lebrq.http.contract import declare
from lebrq.http.operations import MemoryHealth, memory_health, operations_of
from lebrq.http.services import Services
from lebrq.ports.health import PoolStatus


class HealthStatus(msgspec.Struct, frozen=True):
    status: str
    version: str = __version__


class HealthController(Controller):
    path = "/api/health"
    tags = ["health"]
    opt = {"exclude_from_auth": True}

    @get("/", operation_id="getHealth", opt=declare(can_be_unavailable=False))
    async def health(self) -> HealthStatus:
        return HealthStatus(status="ok")

    @get("/ready", operation_id="getReadiness")
    async def ready(self, services: NamedDependency[Services]) -> Response[HealthStatus]:
        if await services.database.ping():
            return Response(HealthStatus(status="ready"))
        return Response(HealthStatus(status="database unavailable"), status_code=503, headers={"Retry-After": "5"})

    @get("/pool", operation_id="getPoolStatus", opt=declare(can_be_unavailable=False))
    async def pool(self, services: NamedDependency[Services]) -> PoolStatus:
        return services.database.pool_status()

    @get("/memory", operation_id="getMemoryHealth", opt=declare(can_be_unavailable=False))
    async def memory(self, request: Request[Any, Any, Any]) -> MemoryHealth:
        return memory_health(operations_of(request.app.state))
