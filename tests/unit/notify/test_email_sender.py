"""E-mail through a real SMTP server (aiosmtpd) started by each test."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from minerun.notify import DeliveryError, SmtpSettings, send_email
from minerun.notify.email_sender import build_message

from .conftest import TlsFiles

FROM = "minerun <noreply@minerun.example>"


class Inbox:
    """An aiosmtpd handler that keeps envelopes and refuses chosen recipients."""

    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.envelopes: list[Envelope] = []
        self.refused = refused

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def message(self, index: int = 0) -> EmailMessage:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        return message_from_bytes(content, policy=default)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"alice", b"s3cret")
    return AuthResult(success=ok, handled=False)


ServerFactory = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def smtp_server() -> Iterator[ServerFactory]:
    controllers: list[Controller] = []

    def start(inbox: Inbox | None = None, **options: Any) -> tuple[Inbox, int]:
        handler = inbox or Inbox()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


def test_plain_delivery_with_html_alternative(smtp_server: ServerFactory) -> None:
    inbox, port = smtp_server()
    settings = SmtpSettings("127.0.0.1", FROM, port=port, security="none", timeout=5)
    receipt = send_email(
        settings,
        ["ops@example.com", "lead@example.com"],
        "Operation op_1 failed",
        "The discovery failed.",
        html="<p>The discovery <b>failed</b>.</p>",
    )
    assert receipt.accepted == ("ops@example.com", "lead@example.com")
    assert receipt.refused == {}
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "noreply@minerun.example"
    assert envelope.rcpt_tos == ["ops@example.com", "lead@example.com"]
    message = inbox.message()
    assert message["Subject"] == "Operation op_1 failed"
    assert message["Message-ID"] == receipt.message_id
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "The discovery failed."
    assert "<b>failed</b>" in html.get_content()


def test_starttls_with_login(smtp_server: ServerFactory, tls_files: TlsFiles) -> None:
    inbox, port = smtp_server(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    settings = SmtpSettings(
        "127.0.0.1", FROM, port=port, username="alice", password="s3cret", timeout=5
    )
    send_email(
        settings, "ops@example.com", "Done", "All good.", ssl_context=tls_files.client_context()
    )
    assert inbox.message()["To"] == "ops@example.com"


def test_wrong_password_is_a_permanent_failure(
    smtp_server: ServerFactory, tls_files: TlsFiles
) -> None:
    inbox, port = smtp_server(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    settings = SmtpSettings(
        "127.0.0.1", FROM, port=port, username="alice", password="nope", timeout=5
    )
    with pytest.raises(DeliveryError) as failed:
        send_email(settings, "ops@example.com", "Done", "x", ssl_context=tls_files.client_context())
    assert failed.value.permanent and failed.value.status_code == 535
    assert inbox.envelopes == []


def test_implicit_tls_verifies_the_certificate(
    smtp_server: ServerFactory, tls_files: TlsFiles
) -> None:
    context = tls_files.server_context()
    inbox, port = smtp_server(ssl_context=context)
    settings = SmtpSettings("127.0.0.1", FROM, port=port, security="ssl", timeout=5)
    send_email(settings, "ops@example.com", "Over TLS", "x", ssl_context=tls_files.client_context())
    assert inbox.message()["Subject"] == "Over TLS"
    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        send_email(
            settings, "ops@example.com", "Over TLS", "x", ssl_context=ssl.create_default_context()
        )
    assert len(inbox.envelopes) == 1


def test_partial_and_total_recipient_refusal(smtp_server: ServerFactory) -> None:
    inbox, port = smtp_server(Inbox(refused=frozenset({"gone@example.com"})))
    settings = SmtpSettings("127.0.0.1", FROM, port=port, security="none", timeout=5)
    receipt = send_email(settings, ["ops@example.com", "gone@example.com"], "Hi", "x")
    assert receipt.accepted == ("ops@example.com",)
    assert receipt.refused["gone@example.com"].startswith("550")
    with pytest.raises(DeliveryError, match="every recipient") as failed:
        send_email(settings, "gone@example.com", "Hi", "x")
    assert failed.value.permanent and failed.value.status_code == 550
    assert len(inbox.envelopes) == 1


def test_unreachable_server_is_a_transient_failure() -> None:
    settings = SmtpSettings("127.0.0.1", FROM, port=free_port(), security="none", timeout=2)
    with pytest.raises(DeliveryError) as failed:
        send_email(settings, "ops@example.com", "Hi", "x")
    assert not failed.value.permanent and failed.value.channel == "email"


def test_settings_refuse_unsafe_or_inconsistent_values() -> None:
    with pytest.raises(ValueError, match="need security"):
        SmtpSettings("mail.example.com", FROM, security="none", username="a", password="b")
    with pytest.raises(ValueError, match="go together"):
        SmtpSettings("mail.example.com", FROM, username="a")
    with pytest.raises(ValueError, match="not an e-mail"):
        SmtpSettings("mail.example.com", "nobody")
    with pytest.raises(ValueError, match="out of range"):
        SmtpSettings("mail.example.com", FROM, port=70000)
    assert "s3cret" not in repr(SmtpSettings("m", FROM, username="a", password="s3cret"))


def test_message_refuses_header_injection() -> None:
    with pytest.raises(ValueError, match="one line"):
        build_message(FROM, ["ops@example.com"], "Hi\r\nBcc: victim@example.com", "x")
    with pytest.raises(ValueError, match="not an e-mail"):
        build_message(FROM, ["ops@example.com\r\nBcc: victim@example.com"], "Hi", "x")
    with pytest.raises(ValueError, match="at least one"):
        build_message(FROM, [], "Hi", "x")
