"""Every catalog and booking list honours the pagination contract: bounds are 400,
metadata is right, and walking all pages yields each row exactly once, newest first."""

from __future__ import annotations

import pytest

from tests.integration.bookings.conftest import Api

pytestmark = pytest.mark.anyio

LISTS = ["/api/venues", "/api/items", "/api/bookings", "/api/admin/bookings", "/api/admin/booking-items"]


async def _fill(api: Api) -> None:
    venues = [await api.venue() for _ in range(5)]
    item = await api.item()
    for day in range(1, 8):
        body = {
            "venue_id": venues[day % len(venues)]["id"],
            "start": f"2030-06-{day:02d}T10:00:00Z",
            "end": f"2030-06-{day:02d}T11:00:00Z",
            "items": [{"item_id": item["id"], "quantity": day}],
        }
        assert (await api.book(body)).status_code == 201
    for _ in range(2):
        await api.item()


@pytest.mark.parametrize("path", LISTS)
async def test_page_bounds_are_400(api: Api, path: str) -> None:
    for query, field in (
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page=-3", "page"),
    ):
        response = await api.client.get(f"{path}?{query}", headers=api.admin if "admin" in path else api.alice)
        assert response.status_code == 400, (path, query)
        assert field in response.text
    assert (await api.client.get(f"{path}?page=abc", headers=api.admin)).status_code == 400


async def test_walking_every_list_yields_each_row_once(api: Api) -> None:
    await _fill(api)
    expected_totals = {
        "/api/venues": 5,
        "/api/items": 3,
        "/api/bookings": 7,
        "/api/admin/bookings": 7,
        "/api/admin/booking-items": 7,
    }
    for path in LISTS:
        headers = api.admin if "admin" in path else api.alice
        whole = (await api.client.get(f"{path}?page_size=100", headers=headers)).json()
        assert whole["pagination"]["total"] == expected_totals[path], path
        walked, page = [], 1
        while True:
            body = (await api.client.get(f"{path}?page={page}&page_size=2", headers=headers)).json()
            info = body["pagination"]
            next_cursor = info.pop("next_cursor")
            assert info == {
                "page": page,
                "page_size": 2,
                "total": expected_totals[path],
                "total_pages": -(-expected_totals[path] // 2),
                "has_next": page < info["total_pages"],
                "has_prev": page > 1,
            }
            assert (next_cursor is not None) == info["has_next"]
            walked += [row["id"] for row in body["items"]]
            if not info["has_next"]:
                break
            page += 1
        assert walked == [row["id"] for row in whole["items"]], path
        assert len(set(walked)) == len(walked) == expected_totals[path]
        assert walked == sorted(walked, reverse=True)  # created in id order, so newest first = highest id first
        past_end = (await api.client.get(f"{path}?page=99&page_size=2", headers=headers)).json()
        assert (past_end["items"], past_end["pagination"]["has_next"], past_end["pagination"]["has_prev"]) == (
            [],
            False,
            True,
        )
        assert past_end["pagination"]["total"] == expected_totals[path], path  # no row carries it: counted apart


async def test_walking_every_list_by_cursor_gives_the_same_rows_and_metadata_as_by_page(api: Api) -> None:
    await _fill(api)
    for path in LISTS:
        headers = api.admin if "admin" in path else api.alice
        by_page, by_cursor = [], []
        page, cursor = 1, None
        while True:
            numbered = (await api.client.get(f"{path}?page={page}&page_size=3", headers=headers)).json()
            query = f"cursor={cursor}&page_size=3" if cursor else "page_size=3"
            keyed = (await api.client.get(f"{path}?{query}", headers=headers)).json()
            by_page += numbered["items"]
            by_cursor += keyed["items"]
            # The same page, found two ways, says the same about itself (page number included).
            assert keyed["pagination"] == numbered["pagination"], (path, page)
            cursor = keyed["pagination"]["next_cursor"]
            if cursor is None:
                break
            page += 1
        assert by_cursor == by_page, path
        assert page == keyed["pagination"]["total_pages"]


async def test_a_cursor_skips_nothing_when_rows_are_added_meanwhile(api: Api) -> None:
    # OFFSET pages shift when new rows arrive at the top; a cursor keeps its place.
    for _ in range(4):
        await api.venue()
    first = (await api.client.get("/api/venues?page_size=2", headers=api.alice)).json()
    await api.venue()
    following = (await api.client.get(f"/api/venues?page_size=2&cursor={first['pagination']['next_cursor']}")).json()
    ids = [venue["id"] for venue in first["items"] + following["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 4
    assert following["pagination"]["total"] == 5
    assert following["pagination"]["page"] == 2


@pytest.mark.parametrize("path", [*LISTS, "/api/admin/bookings/export.csv"])
async def test_a_bad_cursor_is_400_naming_cursor(api: Api, path: str) -> None:
    headers = api.admin if "admin" in path else api.alice
    for cursor in ("garbage!", "lAEBAcA", "A" * 65):
        response = await api.client.get(path, params={"cursor": cursor}, headers=headers)
        assert response.status_code == 400, (path, cursor)
        assert "cursor" in response.text


async def test_the_export_starts_after_a_list_pages_cursor(api: Api) -> None:
    await _fill(api)
    listed = (await api.client.get("/api/admin/bookings?page_size=3", headers=api.admin)).json()
    export = await api.client.get(
        "/api/admin/bookings/export.csv", params={"cursor": listed["pagination"]["next_cursor"]}, headers=api.admin
    )
    assert export.status_code == 200
    exported_ids = [int(line.split(",")[0]) for line in export.text.splitlines()[1:]]
    everything = (await api.client.get("/api/admin/bookings?page_size=100", headers=api.admin)).json()["items"]
    assert exported_ids == [booking["id"] for booking in everything[3:]]


async def test_empty_lists_have_no_pages(api: Api) -> None:
    body = (await api.client.get("/api/bookings", headers=api.bob)).json()
    assert body == {
        "items": [],
        "pagination": {
            "page": 1,
            "page_size": 50,
            "total": 0,
            "total_pages": 0,
            "has_next": False,
            "has_prev": False,
            "next_cursor": None,
        },
    }


async def test_list_filters(api: Api) -> None:
    await _fill(api)
    admin = api.admin
    all_bookings = (await api.client.get("/api/admin/bookings", headers=admin)).json()["items"]
    venue_id = all_bookings[0]["venue_id"]
    by_venue = (await api.client.get(f"/api/admin/bookings?venue_id={venue_id}", headers=admin)).json()["items"]
    assert by_venue
    assert all(b["venue_id"] == venue_id for b in by_venue)
    window = "from=2030-06-03T00:00:00Z&to=2030-06-05T00:00:00Z"
    in_window = (await api.client.get(f"/api/admin/bookings?{window}", headers=admin)).json()["items"]
    assert sorted(b["start"] for b in in_window) == ["2030-06-03T10:00:00Z", "2030-06-04T10:00:00Z"]
    user_id = all_bookings[0]["user_id"]
    assert (await api.client.get(f"/api/admin/bookings?user_id={user_id}", headers=admin)).json()["pagination"][
        "total"
    ] == 7
    assert (await api.client.get(f"/api/admin/bookings?user_id={user_id + 999}", headers=admin)).json()["pagination"][
        "total"
    ] == 0
    first = all_bookings[0]
    await api.client.post(f"/api/bookings/{first['id']}/cancel", headers=api.alice)
    cancelled = (await api.client.get("/api/bookings?status=cancelled", headers=api.alice)).json()["items"]
    assert [b["id"] for b in cancelled] == [first["id"]]
    assert (await api.client.get("/api/admin/bookings?status=pending", headers=admin)).json()["pagination"][
        "total"
    ] == 6
    lines = (await api.client.get(f"/api/admin/booking-items?booking_id={first['id']}", headers=admin)).json()["items"]
    assert [(line["booking_id"], line["quantity"]) for line in lines] == [(first["id"], first["items"][0]["quantity"])]
    item_id = lines[0]["item_id"]
    assert (await api.client.get(f"/api/admin/booking-items?item_id={item_id}", headers=admin)).json()["pagination"][
        "total"
    ] == 7
