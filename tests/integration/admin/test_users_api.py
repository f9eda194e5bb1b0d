"""Admin user list and role / disabled changes over HTTP (SQLite and MariaDB): filters,
the last-admin guard under parallel requests, sessions ended at once, the audit entry,
and bad input named."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.integration.admin.conftest import ADMIN, AdminApi

pytestmark = pytest.mark.anyio


async def users(api: AdminApi, **params: Any) -> list[dict[str, Any]]:
    answer = await api.client.get("/api/admin/users", params=params, headers=api.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def patch(api: AdminApi, user_id: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return await api.client.patch(f"/api/admin/users/{user_id}", json=body, headers=headers or api.admin)


async def admin_id(api: AdminApi) -> int:
    return (await api.client.get("/api/auth/me", headers=api.admin)).json()["id"]  # type: ignore[no-any-return]


async def test_the_list_searches_email_name_and_phone_and_filters(api: AdminApi) -> None:
    asha = await api.client.post(
        "/api/auth/register",
        json={"email": "asha.rao@example.com", "password": "password-1", "name": "Asha Rao", "phone": "+919800000001"},
    )
    ravi = await api.client.post(
        "/api/auth/register", json={"email": "ravi@example.org", "password": "password-1", "name": "Ravi Kumar"}
    )
    asha_id, ravi_id = asha.json()["id"], ravi.json()["id"]
    everyone = await users(api)
    assert [u["id"] for u in everyone] == [ravi_id, asha_id, await admin_id(api)]  # newest first
    assert set(everyone[0]) == {
        "id", "email", "name", "phone", "role", "created_at", "email_verified", "phone_verified", "disabled"
    }  # fmt: skip
    assert [u["id"] for u in await users(api, q="ASHA")] == [asha_id]
    assert [u["id"] for u in await users(api, q="kumar")] == [ravi_id]
    assert [u["id"] for u in await users(api, q="example.org")] == [ravi_id]
    assert [u["id"] for u in await users(api, q="%")] == []  # a wildcard is a plain character
    assert [u["email"] for u in await users(api, role="admin")] == [ADMIN["email"]]
    await patch(api, ravi_id, {"disabled": True})
    assert [u["id"] for u in await users(api, disabled="true")] == [ravi_id]
    assert ravi_id not in [u["id"] for u in await users(api, disabled="false")]
    page = await api.client.get("/api/admin/users", params={"page": 2, "page_size": 2}, headers=api.admin)
    assert page.json()["pagination"]["total"] == 3
    assert len(page.json()["items"]) == 1


async def test_promoting_disabling_and_demoting_take_effect_at_once_and_are_audited(api: AdminApi) -> None:
    user_id, user = await api.new_user()
    assert (await api.client.get("/api/admin/users", headers=user)).status_code == 403
    promoted = await patch(api, user_id, {"role": "admin"})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"
    # Admin routes read the account afresh: the same token passes now...
    assert (await api.client.get("/api/admin/users", headers=user)).status_code == 200
    demoted = await patch(api, user_id, {"role": "user"})
    assert demoted.json()["role"] == "user"
    # ...and the demotion ended the user's sessions: the very next request is refused.
    assert (await api.client.get("/api/admin/users", headers=user)).status_code == 401
    assert (await api.client.get("/api/auth/me", headers=user)).status_code == 401

    other_id, other = await api.new_user()
    await patch(api, other_id, {"role": "admin"})
    disabled = await patch(api, other_id, {"disabled": True})
    assert disabled.json()["disabled"] is True
    assert (await api.client.get("/api/admin/audit-log", headers=other)).status_code == 401
    assert (await api.client.get("/api/bookings", headers=other)).status_code == 401

    entries = await api.audit(action="user.update")
    assert [(e["target_id"], e["details"]) for e in entries] == [
        (other_id, {"disabled": {"from": False, "to": True}}),
        (other_id, {"role": {"from": "user", "to": "admin"}}),
        (user_id, {"role": {"from": "admin", "to": "user"}}),
        (user_id, {"role": {"from": "user", "to": "admin"}}),
    ]
    assert {e["actor_id"] for e in entries} == {await admin_id(api)}


async def test_a_disabled_user_cannot_sign_in_until_enabled_again(api: AdminApi) -> None:
    registration = {"email": "gone@example.com", "password": "password-1", "name": "Gone"}
    user_id = (await api.client.post("/api/auth/register", json=registration)).json()["id"]
    credentials = {"email": registration["email"], "password": registration["password"]}
    await patch(api, user_id, {"disabled": True})
    assert (await api.client.post("/api/auth/login", json=credentials)).status_code == 401
    await patch(api, user_id, {"disabled": False})
    assert (await api.client.post("/api/auth/login", json=credentials)).status_code == 200


async def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(api: AdminApi) -> None:
    me = await admin_id(api)
    for body, field in (({"role": "user"}, "role"), ({"disabled": True}, "disabled")):
        refused = await patch(api, me, body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["extra"]["field"] == field
        assert "no enabled administrator" in refused.json()["detail"]
    assert (await api.client.get("/api/auth/me", headers=api.admin)).json()["role"] == "admin"
    # With a second admin, either may step down.
    second_id, _ = await api.new_user()
    await patch(api, second_id, {"role": "admin"})
    assert (await patch(api, me, {"disabled": False, "role": "admin"})).status_code == 200  # no change


async def test_parallel_demotions_always_leave_one_enabled_admin(api: AdminApi) -> None:
    admins = [(await admin_id(api), api.admin), *[await api.new_user() for _ in range(4)]]
    for user_id, _ in admins[1:]:
        assert (await patch(api, user_id, {"role": "admin"})).status_code == 200
    # Every admin steps down (demoted or disabled) at the same moment: one must stay. The
    # last to run gets 409, or 403 when its admin check already saw the others gone.
    answers = await asyncio.gather(
        *(
            patch(api, user_id, {"role": "user"} if n % 2 else {"disabled": True}, headers=token)
            for n, (user_id, token) in enumerate(admins)
        )
    )
    statuses = Counter(a.status_code for a in answers)
    assert statuses[200] == 4
    assert statuses[409] + statuses[403] == 1
    [(survivor, token)] = [admin for admin, answer in zip(admins, answers, strict=True) if answer.status_code != 200]
    remaining = await api.client.get("/api/admin/users", params={"role": "admin", "disabled": "false"}, headers=token)
    assert [u["id"] for u in remaining.json()["items"]] == [survivor]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "root"}, "role"),
        ({"role": None}, "role"),
        ({"disabled": "yes"}, "disabled"),
        ({"disabled": None}, "disabled"),
        ({"email": "x@example.com"}, "email"),
    ],
)
async def test_bad_changes_are_400_naming_the_field(api: AdminApi, body: dict[str, Any], field: str) -> None:
    user_id, _ = await api.new_user()
    answer = await patch(api, user_id, body)
    assert answer.status_code == 400, answer.text
    assert field in answer.text


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "x" * 101}, "q"), ({"q": ""}, "q"), ({"role": "root"}, "role"), ({"disabled": "maybe"}, "disabled")],
)
async def test_bad_list_filters_are_400_naming_the_field(api: AdminApi, params: dict[str, Any], field: str) -> None:
    answer = await api.client.get("/api/admin/users", params=params, headers=api.admin)
    assert answer.status_code == 400, answer.text
    assert field in answer.text


async def test_unknown_users_and_callers_who_are_not_admins(api: AdminApi) -> None:
    assert (await patch(api, 10**12, {"role": "admin"})).status_code == 404
    assert (await patch(api, 0, {"role": "admin"})).status_code == 400
    user_id, user = await api.new_user()
    assert (await patch(api, user_id, {"role": "admin"}, headers=user)).status_code == 403
    assert (await api.client.patch(f"/api/admin/users/{user_id}", json={"role": "admin"})).status_code == 401
    assert (await api.client.get("/api/admin/users")).status_code == 401
    # A refused change records nothing.
    assert await api.audit(action="user.update") == []
    assert (await patch(api, user_id, {})).json()["role"] == "user"
