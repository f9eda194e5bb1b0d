"""What each message says: a subject, a plain-text body, an HTML alternative and a
short SMS text per kind, filled from the message's params.

Params are display strings prepared when the message was queued (times already in the
venue's zone, amounts formatted as on the invoice). Every value is HTML-escaped before
it goes into the HTML part, so a venue or user name cannot inject markup.
"""

from __future__ import annotations

import html
from string import Template

import msgspec

from lebrq.domain.model.outbox import MessageKind


class MessageTemplate(msgspec.Struct, frozen=True, gc=False):
    subject: str
    text: str
    # Inner HTML; wrapped in the common page by `render`.
    html: str
    sms: str


class RenderedMessage(msgspec.Struct, frozen=True, gc=False):
    subject: str
    text: str
    html: str
    sms_text: str


_SIGNATURE_TEXT = "\n\n-- \n$seller_name\n"
_PAGE = Template(
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>$subject</title></head>'
    '<body style="font-family: Arial, sans-serif; color: #222; max-width: 600px;">'
    "$body"
    '<p style="color: #777; font-size: 12px;">$seller_name</p>'
    "</body></html>\n"
)

_BOOKING_TABLE = (
    "<table>"
    "<tr><td>Booking</td><td>#$booking_id</td></tr>"
    "<tr><td>Venue</td><td>$venue</td></tr>"
    "<tr><td>When</td><td>$when</td></tr>"
    "<tr><td>Total</td><td>Rs. $total</td></tr>"
    "</table>"
)
_BOOKING_TEXT = "Booking: #$booking_id\nVenue: $venue\nWhen: $when\nTotal: Rs. $total (incl. GST)\n"

TEMPLATES: dict[MessageKind, MessageTemplate] = {
    MessageKind.ONE_TIME_CODE: MessageTemplate(
        subject="Your sign-in code: $code",
        text=(
            "Your sign-in code is $code\n\n"
            "It expires in $valid_minutes minutes. If you did not ask for it, ignore this message: "
            "nobody can sign in without the code."
        ),
        html=(
            "<p>Your sign-in code is</p>"
            '<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px;">$code</p>'
            "<p>It expires in $valid_minutes minutes. If you did not ask for it, ignore this message: "
            "nobody can sign in without the code.</p>"
        ),
        sms="$code is your $seller_name sign-in code. It expires in $valid_minutes minutes.",
    ),
    MessageKind.BOOKING_RECEIVED: MessageTemplate(
        subject="Booking #$booking_id received: $venue, $when",
        text=(
            "Hello $name,\n\nWe have received your booking.\n\n"
            + _BOOKING_TEXT
            + "\nThe slot is held for you until $hold_expires. It is confirmed once payment is received "
            "before then; otherwise the hold lapses and the slot is released."
        ),
        html=(
            "<p>Hello $name,</p><p>We have received your booking.</p>"
            + _BOOKING_TABLE
            + "<p>The slot is held for you until <strong>$hold_expires</strong>. It is confirmed once payment "
            "is received before then; otherwise the hold lapses and the slot is released.</p>"
        ),
        sms="$seller_name: booking #$booking_id received ($venue, $when). Held until $hold_expires; "
        "pay Rs. $total to confirm.",
    ),
    MessageKind.BOOKING_CONFIRMED: MessageTemplate(
        subject="Booking #$booking_id confirmed: $venue, $when",
        text=(
            "Hello $name,\n\nYour booking is confirmed.\n\n"
            + _BOOKING_TEXT
            + "Payment reference: $payment_reference\nTax invoice: $invoice_number (attached)"
        ),
        html=(
            "<p>Hello $name,</p><p>Your booking is <strong>confirmed</strong>.</p>"
            + _BOOKING_TABLE
            + "<p>Payment reference: $payment_reference<br>Tax invoice: $invoice_number (attached)</p>"
        ),
        sms="$seller_name: booking #$booking_id confirmed ($venue, $when). Invoice $invoice_number, Rs. $total.",
    ),
    MessageKind.BOOKING_CANCELLED: MessageTemplate(
        subject="Booking #$booking_id cancelled: $venue, $when",
        text="Hello $name,\n\nYour booking has been cancelled.\n\n" + _BOOKING_TEXT + "$refund_text",
        html=(
            "<p>Hello $name,</p><p>Your booking has been <strong>cancelled</strong>.</p>"
            + _BOOKING_TABLE
            + "<p>$refund_text</p>"
        ),
        sms="$seller_name: booking #$booking_id cancelled ($venue, $when). $refund_text",
    ),
    MessageKind.ENROLMENT_CONFIRMED: MessageTemplate(
        subject="Enrolled: $program",
        text=(
            "Hello $name,\n\nYou are enrolled in $program (enrolment #$enrolment_id).\n\n"
            "Where: $venue\nWhen: $schedule\nFee: Rs. $fee"
        ),
        html=(
            "<p>Hello $name,</p><p>You are enrolled in <strong>$program</strong> (enrolment #$enrolment_id).</p>"
            "<table><tr><td>Where</td><td>$venue</td></tr><tr><td>When</td><td>$schedule</td></tr>"
            "<tr><td>Fee</td><td>Rs. $fee</td></tr></table>"
        ),
        sms="$seller_name: you are enrolled in $program ($schedule, $venue). Fee Rs. $fee.",
    ),
    MessageKind.ENROLMENT_CANCELLED: MessageTemplate(
        subject="Enrolment cancelled: $program",
        text="Hello $name,\n\nYour enrolment #$enrolment_id in $program ($schedule, $venue) has been cancelled.",
        html=(
            "<p>Hello $name,</p><p>Your enrolment #$enrolment_id in <strong>$program</strong> "
            "($schedule, $venue) has been cancelled.</p>"
        ),
        sms="$seller_name: your enrolment in $program ($schedule) has been cancelled.",
    ),
}


def render(kind: MessageKind, params: dict[str, str]) -> RenderedMessage:
    """Fill the kind's template. A missing param is a programming error (KeyError),
    never silently an empty hole in a customer's message."""
    template = TEMPLATES[kind]
    escaped = {name: html.escape(value) for name, value in params.items()}
    # One line, whatever a name holds: a line break in an email header is refused.
    subject = " ".join(Template(template.subject).substitute(params).split())
    body = Template(template.html).substitute(escaped)
    page = _PAGE.substitute(subject=html.escape(subject), body=body, seller_name=escaped["seller_name"])
    return RenderedMessage(
        subject=subject,
        text=Template(template.text + _SIGNATURE_TEXT).substitute(params),
        html=page,
        sms_text=Template(template.sms).substitute(params),
    )
