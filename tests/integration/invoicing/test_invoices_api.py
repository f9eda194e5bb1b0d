"""Invoice and credit-note PDFs over HTTP: issued at confirmation, rendered once,
streamed with ETag, readable (pypdf finds number, buyer, lines, tax split, total)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from pypdf import PdfReader

from lebrq.domain.model.amount_in_words import amount_in_words, format_inr
from tests.support.booking_factories import item_payload, venue_payload


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def book_and_confirm(api: TestClient, admin: dict[str, str], user: dict[str, str], *, days_ahead: int = 30) -> dict:
    venue = api.post(
        "/api/admin/venues", json=venue_payload(name="Banyan Hall", hourly_rate_paise=1_500_00), headers=admin
    ).json()
    item = api.post("/api/admin/items", json=item_payload(name="Projector", price_paise=750_00), headers=admin).json()
    start = (datetime.now(UTC) + timedelta(days=days_ahead)).replace(hour=4, minute=30, second=0, microsecond=0)
    booking = api.post(
        "/api/bookings",
        json={
            "venue_id": venue["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
            "items": [{"item_id": item["id"], "quantity": 2}],
        },
        headers=user,
    )
    assert booking.status_code == 201, booking.text
    assert api.get(f"/api/bookings/{booking.json()['id']}/invoice", headers=user).status_code == 404
    confirmed = api.post(
        f"/api/admin/bookings/{booking.json()['id']}/confirm", json={"payment_reference": "UTR-4471"}, headers=admin
    )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


def test_invoice_pdf_shows_what_was_sold_and_is_rendered_once(api: TestClient, admin, new_user, tmp_path: Path) -> None:
    _, user = new_user(name="Asha Rao")
    booking = book_and_confirm(api, admin, user)
    number = booking["invoice_number"]
    assert number.startswith("LEBRQ/") and number.endswith("/000001")

    first = api.get(f"/api/bookings/{booking['id']}/invoice", headers=user)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["etag"].startswith('"') and first.headers["accept-ranges"] == "bytes"
    assert first.headers.get("content-encoding") is None
    text = pdf_text(first.content)
    for expected in (
        "TAX INVOICE",
        number,
        "Asha Rao",
        "Banyan Hall",
        "Projector",
        "LeBRQ Events LLP",
        "GSTIN: 29ABCDE1234F1Z5",
        "CGST @ 9%",
        "SGST @ 9%",
        format_inr(booking["subtotal_paise"]),
        format_inr(booking["tax_paise"] // 2),
        format_inr(booking["total_paise"]),
        "UTR-4471",
    ):
        assert expected in text, expected
    assert "Venue hire: Banyan Hall" in text
    assert amount_in_words(booking["total_paise"]) in " ".join(text.split())

    again = api.get(f"/api/bookings/{booking['id']}/invoice", headers=user)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert (
        api.get(
            f"/api/bookings/{booking['id']}/invoice", headers={**user, "If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )
    part = api.get(f"/api/bookings/{booking['id']}/invoice", headers={**user, "Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == first.content[:8]
    by_admin = api.get(f"/api/admin/bookings/{booking['id']}/invoice", headers=admin)
    assert by_admin.status_code == 200 and by_admin.content == first.content

    if shutil.which("pdftoppm"):  # a picture of page 1, looked at by hand once (docs/benchmarks.md)
        pdf = tmp_path / "invoice.pdf"
        pdf.write_bytes(first.content)
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
        assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_invoices_are_private(api: TestClient, admin, new_user) -> None:
    _, owner = new_user()
    _, stranger = new_user()
    booking = book_and_confirm(api, admin, owner)
    assert api.get(f"/api/bookings/{booking['id']}/invoice", headers=stranger).status_code == 404
    assert api.get(f"/api/bookings/{booking['id']}/invoice").status_code == 401
    assert api.get(f"/api/admin/bookings/{booking['id']}/invoice", headers=owner).status_code == 403
    assert api.get("/api/bookings/999999/invoice", headers=owner).status_code == 404
    assert api.get(f"/api/bookings/{booking['id']}/refund-invoice", headers=owner).status_code == 404


def test_cancelling_a_confirmed_booking_gives_a_credit_note_pdf(api: TestClient, admin, new_user) -> None:
    _, user = new_user(name="Vikram Iyer")
    booking = book_and_confirm(api, admin, user, days_ahead=30)
    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", json={"reason": "plans changed"}, headers=user)
    assert cancelled.status_code == 200, cancelled.text
    refund = cancelled.json()["refund"]
    assert refund["amount_paise"] == booking["total_paise"]
    assert refund["credit_note_number"].startswith("LEBRQ-CN/") and refund["credit_note_number"].endswith("/000001")

    note = api.get(f"/api/bookings/{booking['id']}/refund-invoice", headers=user)
    assert note.status_code == 200 and note.headers["content-type"] == "application/pdf"
    text = pdf_text(note.content)
    for expected in (
        "CREDIT NOTE",
        refund["credit_note_number"],
        booking["invoice_number"],
        "Vikram Iyer",
        "100%",
        "Total credited",
        format_inr(booking["total_paise"]),
    ):
        assert expected in text, expected
    # The invoice itself is unchanged by the cancellation.
    assert booking["invoice_number"] in pdf_text(
        api.get(f"/api/bookings/{booking['id']}/invoice", headers=user).content
    )


def test_a_pending_booking_cancelled_has_no_refund(api: TestClient, admin, new_user) -> None:
    _, user = new_user()
    venue = api.post("/api/admin/venues", json=venue_payload(), headers=admin).json()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    booking = api.post(
        "/api/bookings",
        json={"venue_id": venue["id"], "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        headers=user,
    ).json()
    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", headers=user).json()
    assert cancelled["refund"] is None and cancelled["invoice_number"] is None
    assert api.get(f"/api/bookings/{booking['id']}/refund-invoice", headers=user).status_code == 404


@pytest.mark.parametrize("path", ["/api/bookings/abc/invoice", "/api/admin/bookings/abc/invoice"])
def test_a_malformed_id_is_a_client_error(api: TestClient, admin, path: str) -> None:
    assert api.get(path, headers=admin).status_code in (400, 404)
