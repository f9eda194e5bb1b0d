"""Real email: the app sends through its SMTP channel to an aiosmtpd server in this
process, on SQLite and MariaDB. What arrives is what a customer would read."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from litestar.testing import TestClient
from pypdf import PdfReader

from tests.integration.notifications.conftest import outbox_when
from tests.support.booking_factories import item_payload, venue_payload
from tests.support.outbox import SmtpInbox, smtp_server


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_attachments(mail: EmailMessage) -> list[tuple[str, bytes]]:
    return [
        (part.get_filename() or "", part.get_content())
        for part in mail.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]


def bodies(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both a plain-text and an HTML part"
    return text.get_content(), html.get_content()


def book(api: TestClient, admin: dict[str, str], user: dict[str, str]) -> dict:
    venue = api.post(
        "/api/admin/venues",
        json=venue_payload(name="Banyan Hall", hourly_rate_paise=1_500_00, timezone="Asia/Kolkata"),
        headers=admin,
    ).json()
    item = api.post("/api/admin/items", json=item_payload(name="Projector", price_paise=750_00), headers=admin).json()
    # 04:30 UTC is 10:00 in Kolkata.
    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=4, minute=30, second=0, microsecond=0)
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
    return booking.json()


def confirm(api: TestClient, admin: dict[str, str], booking_id: int) -> dict:
    confirmed = api.post(
        f"/api/admin/bookings/{booking_id}/confirm", json={"payment_reference": "UTR-4471"}, headers=admin
    )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


def test_a_code_sent_by_email_signs_the_user_in(mail_api: TestClient, smtp: SmtpInbox) -> None:
    asked = mail_api.post("/api/auth/otp/request", json={"destination": "Meera@Example.com"})
    assert asked.status_code == 202, asked.text
    mail = smtp.wait_for(lambda m: m["To"] == "meera@example.com")
    assert mail["From"] == "LeBRQ Bookings <bookings@lebrq.test>"
    text, html = bodies(mail)
    code = re.search(r"code is (\d{6})", text).group(1)  # type: ignore[union-attr]
    assert code in mail["Subject"] and code in html
    signed_in = mail_api.post("/api/auth/otp/verify", json={"destination": "meera@example.com", "code": code})
    assert signed_in.status_code == 200, signed_in.text
    me = mail_api.get("/api/auth/me", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"})
    assert me.json()["email"] == "meera@example.com"


def test_booking_received_then_confirmed_with_the_invoice_pdf(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    email, user = new_user(name="Asha Rao")
    booking = book(mail_api, admin, user)
    received = smtp.wait_for(lambda m: m["To"] == email and "received" in m["Subject"])
    text, html = bodies(received)
    assert f"Booking #{booking['id']} received: Banyan Hall" in received["Subject"]
    # Times in the venue's zone (04:30 UTC is 10:00 in Kolkata), the amount as on the invoice.
    assert "10:00-13:00 IST" in text and "held for you until" in text
    assert booking["total_paise"] == 7_080_00 and "Total: Rs. 7,080.00 (incl. GST)" in text
    assert "Hello Asha Rao" in text and "LeBRQ Events LLP" in text
    assert "<table>" in html and "Banyan Hall" in html and pdf_attachments(received) == []

    confirmed = confirm(mail_api, admin, booking["id"])
    mail = smtp.wait_for(lambda m: m["To"] == email and "confirmed" in m["Subject"])
    text, _ = bodies(mail)
    assert confirmed["invoice_number"] in text and "UTR-4471" in text
    [(filename, content)] = pdf_attachments(mail)
    assert filename == confirmed["invoice_number"].replace("/", "-") + ".pdf"
    assert confirmed["invoice_number"] in pdf_text(content)
    # The same stored PDF the download route serves (rendered once).
    download = mail_api.get(f"/api/bookings/{booking['id']}/invoice", headers=user)
    assert download.content == content


def test_cancelling_a_confirmed_booking_mails_the_credit_note(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    email, user = new_user()
    booking = book(mail_api, admin, user)
    confirm(mail_api, admin, booking["id"])
    cancelled = mail_api.post(f"/api/bookings/{booking['id']}/cancel", json={"reason": "plans changed"}, headers=user)
    assert cancelled.status_code == 200, cancelled.text
    refund = cancelled.json()["refund"]
    mail = smtp.wait_for(lambda m: m["To"] == email and "cancelled" in m["Subject"])
    text, _ = bodies(mail)
    assert f"credit note {refund['credit_note_number']} attached" in text
    [(filename, content)] = pdf_attachments(mail)
    assert refund["credit_note_number"] in pdf_text(content)
    assert filename.endswith(".pdf")


def test_a_pending_booking_cancelled_is_mailed_without_attachment(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    email, user = new_user()
    booking = book(mail_api, admin, user)
    assert mail_api.post(f"/api/bookings/{booking['id']}/cancel", headers=user).status_code == 200
    mail = smtp.wait_for(lambda m: m["To"] == email and "cancelled" in m["Subject"])
    assert "No payment was taken" in bodies(mail)[0] and pdf_attachments(mail) == []


def test_with_smtp_down_a_confirmation_is_kept_and_arrives_when_it_is_back(
    mail_api: TestClient, smtp_port: int, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    email, user = new_user()
    booking = book(mail_api, admin, user)
    confirmed = confirm(mail_api, admin, booking["id"])
    outbox = outbox_when(mail_api, admin, lambda items: any(m["attempts"] >= 2 for m in items), status="pending")
    assert all(m["last_error"].startswith("SMTP server unreachable") for m in outbox if m["attempts"] >= 2)
    metrics = mail_api.get("/metrics").text
    assert "lebrq_outbox_pending_messages 2.0" in metrics  # received + confirmed
    age = float(re.search(r"^lebrq_outbox_oldest_pending_age_seconds (\S+)$", metrics, re.M).group(1))  # type: ignore[union-attr]
    assert age > 0
    with smtp_server(smtp_port) as (inbox, _):
        mail = inbox.wait_for(lambda m: m["To"] == email and "confirmed" in m["Subject"], timeout=30)
        [(_, content)] = pdf_attachments(mail)
        assert confirmed["invoice_number"] in pdf_text(content)
        inbox.wait_for(lambda m: m["To"] == email and "received" in m["Subject"], timeout=30)
        # Recorded as sent once the server has accepted them (a moment after arrival).
        outbox_when(mail_api, admin, lambda items: len(items) == 2, status="sent")
        assert len(inbox.to(email)) == 2


def test_a_refused_recipient_fails_for_good_with_the_reason(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    email, user = new_user()
    smtp.refuse[email] = "550 5.1.1 mailbox does not exist"
    book(mail_api, admin, user)
    [message] = outbox_when(mail_api, admin, bool, status="failed")
    assert message["recipient"] == email and message["attempts"] == 1
    assert "550" in message["last_error"] and "mailbox does not exist" in message["last_error"]
    time.sleep(1)  # several retry periods: nothing tries it again
    again = mail_api.get("/api/admin/outbox", params={"status": "failed"}, headers=admin).json()["items"]
    assert again[0]["attempts"] == 1


def test_enrolling_and_cancelling_are_mailed_with_the_schedule_in_the_venue_zone(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    from tests.integration.invoicing.test_programs_api import program_payload

    email, user = new_user(name="Kiran")
    venue = mail_api.post("/api/admin/venues", json=venue_payload(name="Lotus Studio"), headers=admin).json()
    program = mail_api.post("/api/admin/programs", json=program_payload(venue["id"]), headers=admin).json()
    seat = mail_api.post(f"/api/programs/{program['id']}/enroll", headers=user)
    assert seat.status_code == 201, seat.text
    enrolled = smtp.wait_for(lambda m: m["To"] == email and m["Subject"] == "Enrolled: Morning Yoga")
    text, html = bodies(enrolled)
    assert "Lotus Studio" in text and "Mon, Wed, Fri at 07:00 (60 min, Asia/Kolkata)" in text
    assert "Fee: Rs. 2,000.00" in text and f"#{seat.json()['id']}" in html
    cancel = f"/api/programs/{program['id']}/enrolments/{seat.json()['id']}/cancel"
    assert mail_api.post(cancel, headers=user).status_code == 200
    smtp.wait_for(lambda m: m["To"] == email and m["Subject"] == "Enrolment cancelled: Morning Yoga")
