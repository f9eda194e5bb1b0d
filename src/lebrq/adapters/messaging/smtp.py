"""Email over SMTP with aiosmtplib (imported on first send: a worker that never sends
mail does not pay for it).

One connection per message: messages are few, and a connection kept open would need
keep-alive handling for servers that drop idle clients. A server's answer decides what
happens next: 5xx refuses this message for good; 4xx, a lost connection, a timeout or
refused credentials (a configuration problem, not the message's) are tried again."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Literal

from lebrq.domain.model.outbox import DeliveryFailed, OutgoingMessage

SmtpSecurity = Literal["none", "starttls", "tls"]


class SmtpEmailChannel:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: SmtpSecurity,
        sender: str,
        username: str = "",
        password: str = "",
        timeout_seconds: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self._security = security
        self._sender = sender
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    async def send(self, message: OutgoingMessage) -> None:
        import aiosmtplib

        try:
            await aiosmtplib.send(
                self.email_of(message),
                hostname=self._host,
                port=self._port,
                username=self._username or None,
                password=self._password or None,
                use_tls=self._security == "tls",
                # "none" never upgrades, even when the server offers STARTTLS.
                start_tls=self._security == "starttls",
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [recipient.code for recipient in refused.recipients]
            reason = "; ".join(f"SMTP {r.code} {r.message}" for r in refused.recipients)
            raise DeliveryFailed(f"recipient refused: {reason}", permanent=all(c >= 500 for c in codes)) from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(
                f"SMTP login refused ({exc.code}): check SMTP_USERNAME/SMTP_PASSWORD", permanent=False
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.code} {exc.message}", permanent=500 <= exc.code < 600) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP server unreachable: {type(exc).__name__}: {exc}", permanent=False) from None

    def email_of(self, message: OutgoingMessage) -> EmailMessage:
        """Plain text with an HTML alternative, attachments after them (multipart/mixed)."""
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = f"<{message.reference}@{self._domain}>"
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        for attachment in message.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            email.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
        return email

    async def close(self) -> None:
        return None
