"""Send a notification e-mail through an SMTP server."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Literal

from minerun.notify.errors import DeliveryError

SmtpSecurity = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server.

    ``security`` is ``starttls`` (upgrade a plain connection, usually port 587), ``ssl``
    (TLS from the start, usually port 465) or ``none`` (a local relay). Credentials are
    refused without TLS, since they would cross the network in clear.
    """

    host: str
    from_address: str
    port: int = 587
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"SMTP port {self.port} is out of range")
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"SMTP security {self.security!r} is not starttls, ssl or none")
        if (self.username is None) != (self.password is None):
            raise ValueError("SMTP username and password go together")
        if self.username is not None and self.security == "none":
            raise ValueError("SMTP credentials need security starttls or ssl")
        if self.timeout <= 0:
            raise ValueError("SMTP timeout must be positive")
        _check_address(self.from_address)


@dataclass(frozen=True, slots=True)
class EmailReceipt:
    """The server accepted the message for ``accepted``; ``refused`` maps the others to why."""

    message_id: str
    accepted: tuple[str, ...]
    refused: dict[str, str]


def send_email(
    settings: SmtpSettings,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> EmailReceipt:
    """Send a plain-text e-mail (with an HTML alternative when ``html`` is given).

    ``ssl_context`` defaults to the system's verifying context. Raises :class:`DeliveryError`
    when the server cannot be reached or refuses the message or every recipient (with the
    SMTP reply code; ``permanent`` for 5xx replies); a partial refusal is reported in the
    receipt.
    """
    recipients = (to,) if isinstance(to, str) else tuple(to)
    message = build_message(settings.from_address, recipients, subject, text, html)
    try:
        with _connect(settings, ssl_context or ssl.create_default_context()) as smtp:
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = {rcpt: _reply_text(code, reply) for rcpt, (code, reply) in exc.recipients.items()}
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(
            f"every recipient was refused: {reasons}",
            channel="email",
            permanent=all(code >= 500 for code in codes),
            status_code=max(codes, default=None),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP server refused: {_reply_text(exc.smtp_code, exc.smtp_error)}",
            channel="email",
            permanent=exc.smtp_code >= 500,
            status_code=exc.smtp_code,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP delivery failed: {exc}", channel="email") from exc
    message_id = str(message["Message-ID"])
    accepted = tuple(rcpt for rcpt in recipients if rcpt not in refused)
    reasons = {rcpt: _reply_text(code, reply) for rcpt, (code, reply) in refused.items()}
    return EmailReceipt(message_id, accepted, reasons)


def build_message(
    from_address: str, to: Sequence[str], subject: str, text: str, html: str | None = None
) -> EmailMessage:
    """The message as it is sent; raises ``ValueError`` for a bad address or subject."""
    if not to:
        raise ValueError("an e-mail needs at least one recipient")
    for address in (from_address, *to):
        _check_address(address)
    if "\r" in subject or "\n" in subject:
        raise ValueError("the subject must be one line")
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(from_address)[1].rpartition("@")[2])
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    smtp: smtplib.SMTP
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username is not None and settings.password is not None:
            smtp.login(settings.username, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _check_address(address: str) -> None:
    if "\r" in address or "\n" in address or "@" not in parseaddr(address)[1]:
        raise ValueError(f"{address!r} is not an e-mail address")


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}"
