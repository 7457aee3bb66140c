"""Notifications against peers that misbehave, through a real hub and worker on SQLite (huey on
SQLite) and on PostgreSQL (huey on Redis), a real SMTP server and real endpoints at the byte level:

- an endpoint that drips its answer, or a relay its greeting, a byte at a time, is cut at the
  deadline — one call per attempt, never a second delivery while the first is still running past
  its lease;
- an endpoint whose answer holds a NUL byte ends as a failed notification with the error escaped
  (PostgreSQL cannot store NUL in text; the row used to stay pending forever);
- a relay that accepts the mail and then fails QUIT (421) gets the mail once, not at every retry;
- an invoice number holding a line break still gets its mail, with a one-line subject;
- a ``correo`` that names several recipients is refused (310), never mailed to each;
- ids and limits out of range on the operator's CLI are one-line usage errors;
- STARTTLS verifies the relay's certificate for the configured host name.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.functional.face_hub import _free_port, invoice_variant
from tests.functional.notify_hub import NotifyHub, notify_hub, wait_for
from tests.functional.push_servers import RawEndpoint, drip, tls_server_certificate, tls_server_context

__all__ = ["notify_hub"]  # the module-scoped fixture


@pytest.fixture(scope="module")
def worker(notify_hub: NotifyHub) -> Iterator[NotifyHub]:
    notify_hub.start_worker()
    try:
        yield notify_hub
    finally:
        notify_hub.stop_worker()


def _push_to(hub: NotifyHub, url: str) -> None:
    answer = hub.notifications_client().service.setNotificacion(
        {"codigo": "3", "estado": "enabled", "value": url}
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion


def _push_off(hub: NotifyHub) -> None:
    answer = hub.notifications_client().service.setNotificacion(
        {"codigo": "3", "estado": "disabled", "value": "http://127.0.0.1:9/nowhere"}
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion


def _row(hub: NotifyHub, number: str, channel: str) -> dict[str, Any]:
    [row] = [row for row in hub.rows(number) if row["channel"] == channel]
    return row


def test_an_endpoint_that_drips_its_answer_is_cut_at_the_deadline(worker: NotifyHub) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n"
    endpoint = RawEndpoint(drip(head, byte_every=0.5, count=100_000))  # 14 hours, 0.5 s per byte
    try:
        _push_to(worker, endpoint.url())
        number = worker.submit(worker.suppliers_client(), correo="")
        failed = wait_for(
            lambda: _row(worker, number, "push")["last_error"], timeout=40, what="the first attempt to end"
        )
        assert f"no complete answer from {endpoint.url()} within 5 s" in failed
        assert len(endpoint.connections_for(number)) == 1  # one call for that attempt (the retry waits ≥ 1 s)
        first = endpoint.connections_for(number)[0]
        wait_for(lambda: first["closed"] is not None, timeout=10, what="the endpoint to see the hang-up")
        assert first["client_hung_up"]
        assert (first["closed"] - first["opened"]).total_seconds() < 15  # cut at 5 s, not after 14 h
    finally:
        endpoint.close()
        _push_off(worker)


def test_an_error_holding_a_nul_byte_is_stored_escaped_and_the_row_fails(worker: NotifyHub) -> None:
    answer = b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/\x00x\r\nContent-Length: 0\r\n\r\n"
    endpoint = RawEndpoint(lambda client: client.sendall(answer))
    try:
        _push_to(worker, endpoint.url())
        number = worker.submit(worker.suppliers_client(), correo="")
        wait_for(lambda: _row(worker, number, "push")["state"] == "failed", timeout=60, what="the failed row")
        row = _row(worker, number, "push")
        assert row["attempts"] == 4 and len(endpoint.connections_for(number)) == 4
        assert "redirects are not followed (http://elsewhere.example/\\x00x)" in row["last_error"]
        listed = worker.notifications("failed")
        assert row["id"] in {entry["id"] for entry in listed}
    finally:
        endpoint.close()
        _push_off(worker)


def test_a_relay_that_drips_its_greeting_is_cut_at_the_deadline(worker: NotifyHub) -> None:
    worker.smtp.stop()
    relay = RawEndpoint(drip(b"220", byte_every=0.5, count=100_000), worker.smtp.port, reads_request=False)
    try:
        number = worker.submit(worker.suppliers_client())
        failed = wait_for(
            lambda: _row(worker, number, "mail")["last_error"], timeout=40, what="the first attempt to end"
        )
        assert "TimeoutError: the SMTP session took more than 5 s" in failed
        assert len(relay.connections) == 1
        first = relay.connections[0]
        wait_for(lambda: first["closed"] is not None, timeout=10, what="the relay to see the hang-up")
        assert first["client_hung_up"] and (first["closed"] - first["opened"]).total_seconds() < 15
    finally:
        relay.close()
        worker.smtp.start()
    wait_for(lambda: _row(worker, number, "mail")["state"] == "sent", timeout=60, what="the retried mail")
    assert len(worker.smtp.for_registry_number(number)) == 1


def test_a_relay_failing_quit_after_accepting_gets_the_mail_once(worker: NotifyHub) -> None:
    worker.smtp.inbox.quit_reply = "421 4.3.2 Service shutting down"
    try:
        number = worker.submit(worker.suppliers_client())
        wait_for(lambda: _row(worker, number, "mail")["state"] == "sent", what="the mail to count as sent")
    finally:
        worker.smtp.inbox.quit_reply = "221 Bye"
    row = _row(worker, number, "mail")
    assert (row["attempts"], row["last_error"]) == (1, None)
    assert len(worker.smtp.for_registry_number(number)) == 1


def test_a_line_break_in_the_invoice_number_still_gets_its_mail(worker: NotifyHub) -> None:
    tag = uuid.uuid4().hex[:10].upper()
    xml, _ = invoice_variant(number=f"A\n{tag}")
    answer = worker.send(worker.suppliers_client(), xml, "proveedor@example.com")
    assert answer.resultado.codigo == "0", answer.resultado.descripcion
    number = str(answer.factura.numeroRegistro)
    [mail] = wait_for(lambda: worker.smtp.for_registry_number(number), what="the mail")
    subject = str(mail["Subject"])
    assert f"A {tag}" in subject and "\n" not in subject, subject
    assert _row(worker, number, "mail")["state"] == "sent"


@pytest.mark.parametrize(
    "correo",
    [
        "root,postmaster,proveedor@example.com",
        "proveedor@example.com; otro@example.com",
        "<proveedor@example.com>",
    ],
)
def test_a_correo_naming_several_recipients_is_refused(worker: NotifyHub, correo: str) -> None:
    answer = worker.send(worker.suppliers_client(), invoice_variant()[0], correo)
    assert answer.resultado.codigo == "310", answer.resultado.descripcion
    assert correo in answer.resultado.descripcion


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("notify", "retry", "3000000000"), "3000000000 está fuera del intervalo 1<=x<=2147483647"),
        (("notice", "withdraw", "9223372036854775808"), "está fuera del intervalo 1<=x<=2147483647"),
        (("notify", "list", "--limit", "0"), "0 está fuera del intervalo 1<=x<=10000"),
        (("integrator", "activity", "B00000000", "--limit", "-1"), "-1 está fuera del intervalo 1<=x<=10000"),
        (
            ("blobs", "collect", "--grace-hours", "999999999"),
            "999999999 está fuera del intervalo 1<=x<=878400",
        ),
    ],
)
def test_numbers_out_of_range_on_the_cli_are_usage_errors(
    notify_hub: NotifyHub, args: tuple[str, ...], says: str
) -> None:
    done = notify_hub.cli(*args, expect=2)
    assert says in done.stderr and "Traceback" not in done.stderr, done.stderr


class _TLSInbox:
    """Records each mail with whether its session had switched to TLS (STARTTLS) first."""

    def __init__(self) -> None:
        self.mails: list[tuple[bool, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        subject = email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
        self.mails.append((session.ssl is not None, str(subject)))
        return "250 Message accepted for delivery"


def test_starttls_verifies_the_relay_for_its_host_name(worker: NotifyHub, tmp_path: Path) -> None:
    """``FACTURAHUB_SMTP_STARTTLS``: the session switches to TLS and the relay's certificate is
    verified for the configured host name (the worker trusts the test CA through SSL_CERT_FILE)."""
    ca_file, chain_file = tls_server_certificate(tmp_path)
    inbox = _TLSInbox()
    relay = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=tls_server_context(chain_file),
        require_starttls=True,
    )
    relay.start()
    worker.stop_worker()
    try:
        worker.start_worker(
            FACTURAHUB_SMTP_HOST="localhost",
            FACTURAHUB_SMTP_PORT=str(relay.port),
            FACTURAHUB_SMTP_STARTTLS="true",
            SSL_CERT_FILE=str(ca_file),
        )
        number = worker.submit(worker.suppliers_client())
        wait_for(lambda: _row(worker, number, "mail")["state"] == "sent", what="the mail over STARTTLS")
        assert [mail for mail in inbox.mails if number in mail[1]] == [(True, inbox.mails[-1][1])]
    finally:
        worker.stop_worker()
        relay.stop()
        worker.start_worker()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        # a password in the address: never sent, and it would have been copied into every log
        ("http://proveedor:S3cr3t-P4ss@127.0.0.1:9/x", "no puede llevar usuario ni contraseña"),
        ("http://[::1/x", "no es una dirección http:// o https:// con servidor"),  # was an HTTP 500
        ("http://ho\u2100st/x", "no es una dirección http:// o https:// con servidor"),  # NFKC: "ha/cst"
        ("http://127.0.0.1:9/set estado", "lleva el carácter U+0020"),  # every attempt failed
        ("http://127.0.0.1:9/x\x7f", "lleva el carácter U+007F"),
        (
            "http://127.0.0.1:9/\tx",
            "«http://127.0.0.1:9/\\tx»: la dirección lleva el carácter U+0009",
        ),  # was dropped
        ("http://127.0.0.1:0/x", "el puerto 0 no existe"),  # the worker called port 80 instead
        ("http://a..b/x", "«a..b» no es un nombre de servidor válido"),
    ],
)
def test_an_address_that_could_never_be_called_as_written_is_refused(
    notify_hub: NotifyHub, url: str, says: str
) -> None:
    client = notify_hub.notifications_client()
    before = client.service.getNotificacion({"codigo": "3"}).notificacion
    answer = client.service.setNotificacion({"codigo": "3", "estado": "ENABLED", "value": url})
    assert answer.resultado.codigo == "318", answer.resultado.descripcion
    assert says in answer.resultado.descripcion, answer.resultado.descripcion
    assert "S3cr3t" not in answer.resultado.descripcion
    assert client.service.getNotificacion({"codigo": "3"}).notificacion == before  # nothing stored
