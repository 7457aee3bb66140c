"""Status-change notifications end to end (issue 4 items 3-4, security.md D3), on SQLite with the
huey SQLite queue and on PostgreSQL with the Redis queue: a real hub and worker, a real SMTP
server and a real supplier SOAP endpoint; retries when they are down; a restart with queued jobs
loses nothing and sends nothing twice; failed notifications re-queued by `facturahub notify retry`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from huey import RedisHuey, SqliteHuey
from lxml import etree
from tests.functional.face_hub import register_sender
from tests.functional.notify_hub import REDIS_URL, NotifyHub, PushEndpoint, notify_hub, wait_for
from tests.functional.soap_client import zeep_client

from facturahub.signatures.certgen import issue

__all__ = ["notify_hub"]  # the module-scoped fixture

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


@pytest.fixture(scope="module")
def endpoint(notify_hub: NotifyHub) -> Iterator[PushEndpoint]:
    """The supplier's endpoint, registered through setNotificacion; the worker running."""
    push = PushEndpoint(hub_cert_pem=notify_hub.hub_cert_pem)
    push.start()
    answer = notify_hub.notifications_client().service.setNotificacion(
        {"codigo": "3", "estado": "enabled", "value": push.url}
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion
    notify_hub.start_worker()
    try:
        yield push
    finally:
        notify_hub.stop_worker()
        push.stop()


def _rows(hub: NotifyHub, number: str) -> list[dict[str, object]]:
    return hub.rows(number)


def _all_sent(hub: NotifyHub, number: str, count: int) -> bool:
    rows = _rows(hub, number)
    return len(rows) == count and all(row["state"] == "sent" for row in rows)


# --- configuration (notificasspp2) --------------------------------------------------------------


def test_push_configuration_service(notify_hub: NotifyHub) -> None:
    wsdl = httpx.get(notify_hub.notifications_wsdl, timeout=30)
    root = etree.fromstring(wsdl.content)
    operations = {op.get("name") for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    assert operations == {"getNotificacionTipo", "setNotificacion", "getNotificacion"}

    client = notify_hub.notifications_client()
    tipos = client.service.getNotificacionTipo()
    assert tipos.resultado.codigo == "0"
    assert [(t.codigo, t.nombre) for t in tipos.notificacionTipo.notificacionTipoInfo] == [
        ("3", "WS Interfaz RPC-Literal")
    ]

    missing = client.service.getNotificacion({"codigo": "3"})
    assert missing.resultado.codigo == "319" and missing.notificacion is None

    encoded = client.service.setNotificacion({"codigo": "2", "estado": "ENABLED", "value": "http://x/y"})
    assert encoded.resultado.codigo == "318" and "codigo" in encoded.resultado.descripcion
    bad_state = client.service.setNotificacion({"codigo": "3", "estado": "SOMETIMES", "value": "http://x/y"})
    assert bad_state.resultado.codigo == "318" and "SOMETIMES" in bad_state.resultado.descripcion
    bad_url = client.service.setNotificacion(
        {"codigo": "3", "estado": "ENABLED", "value": "file:///etc/passwd"}
    )
    assert bad_url.resultado.codigo == "318" and "file:///etc/passwd" in bad_url.resultado.descripcion
    no_url = client.service.setNotificacion({"codigo": "3", "estado": "ENABLED", "value": ""})
    assert no_url.resultado.codigo == "318"

    stored = client.service.setNotificacion(
        {"codigo": "3", "estado": "disabled", "value": "http://127.0.0.1:9/nowhere"}
    )
    assert stored.resultado.codigo == "0"
    assert (stored.notificacion.codigo, stored.notificacion.estado, stored.notificacion.value) == (
        "3",
        "DISABLED",
        "http://127.0.0.1:9/nowhere",
    )
    read = client.service.getNotificacion({"codigo": "3"})
    assert read.resultado.codigo == "0" and read.notificacion.estado == "DISABLED"
    assert read.notificacion.nombre == "WS Interfaz RPC-Literal"


# --- delivery -----------------------------------------------------------------------------------


def test_mail_and_push_for_registration_and_cancellation(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    client = notify_hub.suppliers_client()
    number = notify_hub.submit(client)
    mail = wait_for(lambda: notify_hub.smtp.for_registry_number(number), what="the registration mail")[0]
    assert mail["To"] == "proveedor@example.com" and mail["From"] == "facturas@hub.example"
    assert mail["Subject"].startswith("Factura ") and "1200 Registrada" in mail["Subject"]
    body = mail.get_content()
    assert f"número de registro {number}" in body and "Nuevo estado (tramitación): 1200 Registrada" in body
    push = wait_for(lambda: endpoint.for_registry_number(number), what="the registration push")[0]
    assert (push.tramitacion, push.anulacion) == ("1200", "4100")
    hub_der = notify_hub_certificate_der(notify_hub)
    assert push.token_der == hub_der  # signed with the hub's own certificate

    cancelled = client.service.anularFactura(number, "Importe duplicado por error")
    assert cancelled.resultado.codigo == "0"
    wait_for(lambda: len(notify_hub.smtp.for_registry_number(number)) == 2, what="the cancellation mail")
    second = notify_hub.smtp.for_registry_number(number)[1]
    assert "4200 Solicitada anulación" in second["Subject"]
    text = second.get_content()
    assert "Nuevo estado (anulación): 4200 Solicitada anulación" in text
    assert "Motivo o comentario: Importe duplicado por error" in text
    wait_for(lambda: len(endpoint.for_registry_number(number)) == 2, what="the cancellation push")
    latest = endpoint.for_registry_number(number)[1]
    assert (latest.tramitacion, latest.anulacion) == ("1200", "4200")
    assert latest.motivo_anulacion == "Importe duplicado por error"

    wait_for(lambda: _all_sent(notify_hub, number, 4), what="four sent notifications")
    assert not endpoint.rejected


def test_pushes_carry_the_codes_of_the_suppliers_catalogue(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    """The registry's own steps after the download (1400, 2100) reach the supplier's endpoint as
    1300 "Registrada en RCF", the code its catalogue has, with the registry's comment; the mail, for
    a person, names the step."""
    number = notify_hub.submit(notify_hub.suppliers_client(), correo="proveedor@example.com")
    registry = notify_hub.registry_client()
    office = "P00000010"
    assert registry.service.confirmarDescargaFactura(office, number, "RCF-7").resultado.codigo == "0"
    for code in ("1400", "2100"):
        changed = registry.service.cambiarEstadoFactura(office, number, code, f"paso {code}")
        assert changed.resultado.codigo == "0", changed.resultado.descripcion
    pushes = wait_for(
        lambda: (p := endpoint.for_registry_number(number)) and len(p) == 4 and p, what="4 pushes"
    )
    assert [(p.tramitacion, p.motivo_tramitacion) for p in pushes] == [
        ("1200", None),
        ("1300", None),
        ("1300", "paso 1400"),
        ("1300", "paso 2100"),
    ]
    mails = wait_for(
        lambda: (m := notify_hub.smtp.for_registry_number(number)) and len(m) == 4 and m, what="mails"
    )
    assert "2100 Recibida en destino" in mails[3]["Subject"]


def test_no_correo_no_mail(notify_hub: NotifyHub, endpoint: PushEndpoint) -> None:
    number = notify_hub.submit(notify_hub.suppliers_client(), correo="")
    wait_for(lambda: endpoint.for_registry_number(number), what="the push")
    rows = _rows(notify_hub, number)
    assert [row["channel"] for row in rows] == ["push"]
    assert notify_hub.smtp.for_registry_number(number) == []


def test_smtp_server_and_endpoint_down_then_up(notify_hub: NotifyHub, endpoint: PushEndpoint) -> None:
    notify_hub.smtp.stop()
    endpoint.stop()
    try:
        number = notify_hub.submit(notify_hub.suppliers_client())
        wait_for(
            lambda: (
                all(row["attempts"] >= 1 and row["last_error"] for row in _rows(notify_hub, number))
                and len(_rows(notify_hub, number)) == 2
            ),
            what="failed first attempts",
        )
        assert all(row["state"] == "pending" for row in _rows(notify_hub, number))
    finally:
        notify_hub.smtp.start()
        endpoint.start()
    wait_for(lambda: _all_sent(notify_hub, number, 2), what="delivery after the servers came back")
    assert len(notify_hub.smtp.for_registry_number(number)) == 1
    assert len(endpoint.for_registry_number(number)) == 1


def test_restart_with_queued_jobs_loses_nothing_and_sends_nothing_twice(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    client = notify_hub.suppliers_client()
    notify_hub.stop_worker()
    queued = [notify_hub.submit(client) for _ in range(3)]
    # a retry already scheduled when the worker stops: SMTP down for one attempt
    notify_hub.smtp.stop()
    notify_hub.start_worker()
    try:
        wait_for(
            lambda: any(row["attempts"] >= 1 for number in queued for row in _rows(notify_hub, number)),
            what="a first failed attempt",
        )
    finally:
        notify_hub.stop_worker()
        notify_hub.smtp.start()
    # and one whose enqueue is lost (a crash between commit and enqueue): only the sweeper finds it
    lost = notify_hub.submit(client)
    _flush_queue(notify_hub)
    assert all(row["state"] == "pending" for row in _rows(notify_hub, lost))
    notify_hub.start_worker()
    for number in [*queued, lost]:
        wait_for(lambda number=number: _all_sent(notify_hub, number, 2), what=f"delivery of {number}")
    for number in [*queued, lost]:
        assert len(notify_hub.smtp.for_registry_number(number)) == 1, number
        assert len(endpoint.for_registry_number(number)) == 1, number


def test_failed_notification_is_retried_by_the_operator(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    notify_hub.smtp.stop()
    try:
        number = notify_hub.submit(notify_hub.suppliers_client())
        wait_for(
            lambda: [
                r for r in _rows(notify_hub, number) if r["channel"] == "mail" and r["state"] == "failed"
            ],
            timeout=60,
            what="the mail to fail after its last attempt",
        )
    finally:
        notify_hub.smtp.start()
    failed = [row for row in notify_hub.notifications("failed") if row["registry_number"] == number]
    assert len(failed) == 1 and failed[0]["attempts"] == 4 and "Error" in str(failed[0]["last_error"])
    time_passes = notify_hub.smtp.for_registry_number(number)
    assert time_passes == []  # failed stays failed

    push_row = next(r for r in _rows(notify_hub, number) if r["channel"] == "push")
    refused = notify_hub.cli("notify", "retry", str(push_row["id"]), expect=3)
    assert "notify.not_failed" in refused.stderr
    assert "notify.retry_target" in notify_hub.cli("notify", "retry", expect=3).stderr
    assert "notify.not_found" in notify_hub.cli("notify", "retry", "999999", expect=4).stderr

    requeued = notify_hub.cli_json("notify", "retry", str(failed[0]["id"]))
    assert requeued == {"requeued": [failed[0]["id"]]}
    wait_for(lambda: notify_hub.smtp.for_registry_number(number), what="the re-queued mail")
    wait_for(lambda: _all_sent(notify_hub, number, 2), what="both notifications sent")
    assert len(notify_hub.smtp.for_registry_number(number)) == 1


# --- helpers ------------------------------------------------------------------------------------


def notify_hub_certificate_der(hub: NotifyHub) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(hub.hub_cert_pem).public_bytes(serialization.Encoding.DER)


def _flush_queue(hub: NotifyHub) -> None:
    """Drop every queued task, as if the process had died between commit and enqueue."""
    name = hub.env["FACTURAHUB_JOBS_QUEUE"]
    if hub.queue == "redis":
        huey = RedisHuey(name, url=REDIS_URL)
    else:
        huey = SqliteHuey(name, filename=hub.env["FACTURAHUB_DATA_DIR"] + "/jobs.db")
    huey.storage.flush_queue()
    assert huey.pending_count() == 0


# --- the endpoint at delivery time ---------------------------------------------------------------


def _configure(client: Any, url: str, state: str = "ENABLED") -> None:
    answer = client.service.setNotificacion({"codigo": "3", "estado": state, "value": url})
    assert answer.resultado.codigo == "0", answer.resultado.descripcion


def test_a_push_goes_where_the_platform_says_when_it_is_delivered(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    """A row kept the address it was queued with: an endpoint the supplier had replaced, or
    disabled (perhaps because it was compromised), still got its invoices' data for hours of
    retries, and ``notify retry`` sent it there again at any later time."""
    notify_hub.stop_worker()
    replaced, current = (
        PushEndpoint(hub_cert_pem=notify_hub.hub_cert_pem),
        PushEndpoint(hub_cert_pem=notify_hub.hub_cert_pem),
    )
    replaced.start()
    current.start()
    client = notify_hub.notifications_client()
    try:
        _configure(client, replaced.url)
        moved = notify_hub.submit(notify_hub.suppliers_client(), correo="")
        _configure(client, current.url)  # replaced before the worker delivered
        notify_hub.start_worker()
        wait_for(lambda: notify_hub.push_row(moved)["state"] == "sent", what="the push to the new address")
        assert [call.tramitacion for call in current.for_registry_number(moved)] == ["1200"]
        assert replaced.calls == [] and notify_hub.push_row(moved)["target"] == current.url
        notify_hub.stop_worker()

        withdrawn = notify_hub.submit(notify_hub.suppliers_client(), correo="")
        _configure(client, current.url, "DISABLED")
        notify_hub.start_worker()
        wait_for(lambda: notify_hub.push_row(withdrawn)["state"] == "dropped", what="the push dropped")
        assert current.for_registry_number(withdrawn) == [] and replaced.calls == []
        assert "disabled" in notify_hub.push_row(withdrawn)["last_error"]
        dropped = notify_hub.notifications("dropped")
        assert withdrawn in [row["registry_number"] for row in dropped]
    finally:
        notify_hub.stop_worker()
        _configure(client, endpoint.url)
        notify_hub.start_worker()
        replaced.stop()
        current.stop()


def test_a_deleted_platform_gets_no_more_pushes(notify_hub: NotifyHub, endpoint: PushEndpoint) -> None:
    """``platform delete`` left its push endpoint enabled: the registry's later status changes
    were still pushed there, and nobody could turn it off (the platform's own certificate is
    refused from then on)."""
    sender = issue("plataforma que se borra")
    nif = "B00000042" if notify_hub.env["FACTURAHUB_DATABASE_URL"].startswith("sqlite") else "B00000059"
    code = register_sender(notify_hub.env, notify_hub.env_root, nif, "Proveedor que se va", sender)
    own = PushEndpoint(hub_cert_pem=notify_hub.hub_cert_pem)
    own.start()
    notify_hub.stop_worker()
    try:
        _configure(zeep_client(notify_hub.notifications_wsdl, sender, notify_hub.hub_cert_pem), own.url)
        number = notify_hub.submit(
            zeep_client(notify_hub.suppliers_wsdl, sender, notify_hub.hub_cert_pem), correo=""
        )
        notify_hub.cli("platform", "delete", code)
        notify_hub.start_worker()
        wait_for(lambda: notify_hub.push_row(number)["state"] == "dropped", what="the push dropped")
        registry = notify_hub.registry_client()
        office = registry.service.solicitarNuevasFacturas("").facturas.solicitarNuevasFacturas
        [mine] = [invoice for invoice in office if invoice.numeroRegistro == number]
        answer = registry.service.confirmarDescargaFactura(mine.oficinaContable, number, "RCF-1")
        assert answer.resultado.codigo == "0", answer.resultado.descripcion
        assert [row["channel"] for row in notify_hub.rows(number)] == ["push"]  # nothing queued for 1300
        assert own.calls == []
    finally:
        own.stop()


def test_pushes_are_signed_with_the_configured_algorithm(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    """``FACTURAHUB_RESPONSE_SIGNATURE_ALGORITHM`` chose how responses were signed, while pushes
    were always rsa-sha256: a platform that verifies only rsa-sha1 could not take them."""
    client = notify_hub.suppliers_client()
    default = notify_hub.submit(client, correo="")
    wait_for(lambda: endpoint.for_registry_number(default), what="the push signed by default")
    [push] = endpoint.for_registry_number(default)
    assert push.signature_method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert set(push.digest_methods) == {"http://www.w3.org/2001/04/xmlenc#sha256"}
    notify_hub.stop_worker()
    try:
        for algorithm, method, digest in (
            (
                "rsa-sha1",
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                "http://www.w3.org/2000/09/xmldsig#sha1",
            ),
            (
                "rsa-sha512",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
                "http://www.w3.org/2001/04/xmlenc#sha512",
            ),
        ):
            notify_hub.start_worker(FACTURAHUB_RESPONSE_SIGNATURE_ALGORITHM=algorithm)
            number = notify_hub.submit(client, correo="")
            wait_for(lambda number=number: endpoint.for_registry_number(number), what=f"the {algorithm} push")
            notify_hub.stop_worker()
            [push] = endpoint.for_registry_number(number)
            assert (push.signature_method, set(push.digest_methods)) == (method, {digest})
            assert not endpoint.rejected  # the endpoint verified each with the hub's certificate
    finally:
        notify_hub.stop_worker()
        notify_hub.start_worker()
