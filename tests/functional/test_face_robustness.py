"""Data safety of enviarFactura through the real protocol (security.md D1, D2), on SQLite and
PostgreSQL.

D1: several clients stream signed invoices (WS-Security by zeep's own code, a fresh signature per
attempt) while the server is SIGKILLed at random moments and restarted on the same database and
blob directory. A client resends the identical document until it gets an answer. Afterwards every
invoice a client saw a registry number for exists with byte-identical bytes, every document is
registered exactly once, no number is used twice, the numbers have no gaps and the counter is not
reused after the restarts.

D2: the answer to enviarFactura is lost (the client writes the signed request on a raw socket and
closes it without reading); the identical document resent with a new WS-Security signature gets
415 naming the original registry number, and exactly one invoice is registered.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy import select as sql_select
from tests.conftest import BACKENDS
from tests.functional.face_hub import FaceHub, face_hub, invoice_variant, signed
from tests.functional.hub_process import HubProcess, own_hub
from tests.functional.soap_client import (
    SOAP,
    face_payload,
    post,
    send_invoice,
    verify_response,
    zeep_client,
    zeep_signed,
)

from facturahub.domain.local_time import local_year
from facturahub.signatures.certgen import Identity
from facturahub.store.models import Invoice, RegistryCounter

__all__ = ["face_hub"]

REGISTRY_NUMBER = re.compile(r"\b(\d{12})\b")
CLIENTS = 4
KILLS = 5


def enviar_factura(document: bytes) -> str:
    factura = base64.b64encode(document).decode()
    return face_payload(
        "enviarFactura",
        "<request><correo>proveedor@example.com</correo>"
        f"<factura><factura>{factura}</factura><nombre>factura.xsig</nombre><mime>application/xml</mime></factura>"
        "<anexos></anexos></request>",
    )


@dataclass
class Delivery:
    document: bytes
    code: str
    registry_number: str


@dataclass
class ClientLog:
    deliveries: list[Delivery] = field(default_factory=list)
    interrupted: int = 0  # requests in flight when the server was killed (then resent)
    faults: list[str] = field(default_factory=list)
    error: BaseException | None = None


def deliver(
    http: httpx.Client, hub: HubProcess, signer: Identity, hub_cert: bytes, document: bytes, log: ClientLog
) -> Delivery:
    """Send ``document`` until the hub answers it: 0 (registered) or 415 (registered before, by
    an attempt whose answer was lost), each attempt freshly signed."""
    for _attempt in range(400):
        body = zeep_signed(enviar_factura(document), signer)
        try:
            response = http.post(hub.face_endpoint, content=body, headers={"Content-Type": "text/xml"})
        except httpx.ConnectError:  # the server is down: it is being restarted
            time.sleep(0.05)
            continue
        except httpx.TransportError:  # killed while this request was in flight
            log.interrupted += 1
            continue
        verified = verify_response(response.content, hub_cert)  # signed by the hub, faults included
        if response.status_code != 200:
            log.faults.append(response.text[-300:])
            time.sleep(0.05)
            continue
        returned = verified.operation.find("return")
        assert returned is not None
        code = returned.findtext("resultado/codigo") or ""
        description = returned.findtext("resultado/descripcion") or ""
        if code == "0":
            return Delivery(document, code, returned.findtext("factura/numeroRegistro") or "")
        assert code == "415", f"{code}: {description}"
        found = REGISTRY_NUMBER.search(description)
        assert found is not None, description
        return Delivery(document, code, found.group(1))
    raise AssertionError("the hub never answered")


def client_loop(
    hub: HubProcess, signer: Identity, hub_cert: bytes, stop: threading.Event, log: ClientLog
) -> None:
    try:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                document = signed(invoice_variant()[0], signer)
                log.deliveries.append(deliver(http, hub, signer, hub_cert, document, log))
    except BaseException as exc:  # reported by the test thread
        log.error = exc


@pytest.mark.parametrize("backend", BACKENDS)
def test_d1_sigkill_during_a_stream_of_submissions(backend: str, tmp_path: Path) -> None:
    with own_hub(backend, tmp_path) as hub:
        hub.start()
        signer, hub_cert = hub.supplier, hub.hub_cert_pem
        stop = threading.Event()
        logs = [ClientLog() for _ in range(CLIENTS)]
        threads = [
            threading.Thread(target=client_loop, args=(hub, signer, hub_cert, stop, log), daemon=True)
            for log in logs
        ]
        for thread in threads:
            thread.start()
        chance = random.Random()
        try:
            for _ in range(KILLS):
                time.sleep(chance.uniform(0.2, 0.9))
                hub.kill()
                hub.start()
            time.sleep(0.5)  # more traffic after the last restart
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
        for log in logs:
            if log.error is not None:
                raise log.error
        deliveries = [delivery for log in logs for delivery in log.deliveries]
        interrupted = sum(log.interrupted for log in logs)
        # every kill is meant to catch requests in flight (each client always has one going)
        assert interrupted >= KILLS, f"only {interrupted} requests were in flight at {KILLS} kills"
        assert len(deliveries) >= CLIENTS * 2, deliveries

        _check_registry(hub, deliveries)

        # after the restarts, the next number follows the last one: the counter is not reused
        with httpx.Client(timeout=30) as http:
            after = deliver(http, hub, signer, hub_cert, signed(invoice_variant()[0], signer), ClientLog())
        assert after.code == "0"
        assert int(after.registry_number[4:]) == len(deliveries) + 1, after.registry_number


def _check_registry(hub: HubProcess, deliveries: list[Delivery]) -> None:
    numbers = [delivery.registry_number for delivery in deliveries]
    assert len(set(numbers)) == len(numbers), "one registry number was given to two documents"
    engine = hub.engine()
    try:
        with engine.connect() as connection:
            rows = {
                number: sha256
                for number, sha256 in connection.execute(
                    sql_select(Invoice.registry_number, Invoice.blob_sha256)
                )
            }
            counters = dict(connection.execute(sql_select(RegistryCounter.year, RegistryCounter.last)).all())
    finally:
        engine.dispose()
    assert len(rows) == len(deliveries), "every document registered exactly once"
    assert set(rows) == set(numbers)
    blobs = hub.blobs
    for delivery in deliveries:
        digest = hashlib.sha256(delivery.document).hexdigest()
        assert rows[delivery.registry_number] == digest, delivery.registry_number
        assert blobs.get(digest) == delivery.document  # byte-identical, read back from the blob store
    sequences = sorted(int(number[4:]) for number in numbers)
    assert sequences == list(range(1, len(numbers) + 1)), "registry numbers have a gap or a repeat"
    assert counters == {local_year(datetime.now(UTC)): len(numbers)}


# --- D2 -----------------------------------------------------------------------------------------


def _post_and_drop(face_hub: FaceHub, body: bytes, *, wait_for_answer: bool) -> None:
    """Write one HTTP request on a raw socket and close it (RST) without reading a byte of the
    answer; ``wait_for_answer``: close only once the answer has reached our socket (the lost
    answer case), else right after writing."""
    port = int(face_hub.base_url.rsplit(":", 1)[1])
    head = (
        "POST /face/facturasspp2 HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: text/xml; charset=utf-8\r\n"
        'SOAPAction: "https://webservice.face.gob.es#enviarFactura"\r\n'
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(head.encode("ascii") + body)
        if wait_for_answer:
            readable, _, _ = select.select([sock], [], [], 60)
            assert readable, "the hub did not answer within 60 s"
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def _registered(face_hub: FaceHub, number: str, *, wait: float) -> list[str]:
    """The registry numbers of the invoices with this invoice number (polling up to ``wait`` s)."""
    engine = create_engine(face_hub.env["FACTURAHUB_DATABASE_URL"])
    try:
        deadline = time.monotonic() + wait
        while True:
            with engine.connect() as connection:
                found = list(
                    connection.scalars(sql_select(Invoice.registry_number).where(Invoice.number == number))
                )
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)
    finally:
        engine.dispose()


def test_d2_resend_after_a_lost_answer_is_415_naming_the_original(face_hub: FaceHub) -> None:
    xml, number = invoice_variant()
    document = signed(xml, face_hub.supplier)
    _post_and_drop(face_hub, zeep_signed(enviar_factura(document), face_hub.supplier), wait_for_answer=True)
    original = _registered(face_hub, number, wait=10)
    assert len(original) == 1, original

    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    resent = send_invoice(client, document)  # the identical document, a new WS-Security signature
    assert resent.resultado.codigo == "415", resent.resultado.descripcion
    assert original[0] in resent.resultado.descripcion and resent.factura is None
    assert _registered(face_hub, number, wait=0) == original
    consulted = client.service.consultarFactura(original[0])
    assert consulted.resultado.codigo == "0" and consulted.factura.tramitacion.codigo == "1200"


def test_d2_connection_dropped_right_after_writing(face_hub: FaceHub) -> None:
    """Whether or not the hub got to register the first one, the resend never makes a second."""
    xml, number = invoice_variant()
    document = signed(xml, face_hub.supplier)
    _post_and_drop(face_hub, zeep_signed(enviar_factura(document), face_hub.supplier), wait_for_answer=False)
    first = _registered(face_hub, number, wait=3)
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    resent = send_invoice(client, document)
    after = _registered(face_hub, number, wait=0)
    assert len(after) == 1, after
    if first:
        assert resent.resultado.codigo == "415" and first[0] in resent.resultado.descripcion
    else:
        assert resent.resultado.codigo == "0" and resent.factura.numeroRegistro == after[0]
    again = send_invoice(client, document)
    assert again.resultado.codigo == "415" and after[0] in again.resultado.descripcion
    assert _registered(face_hub, number, wait=0) == after


def test_d2_identical_documents_racing_get_one_number_and_415_for_the_rest(face_hub: FaceHub) -> None:
    """A client retrying while its first attempt still runs: the same document arrives on several
    connections at once. The database's unique key lets one through; every other one is answered
    415 naming that number (not an internal error), and exactly one invoice exists."""
    for _ in range(4):
        xml, number = invoice_variant()
        document = signed(xml, face_hub.supplier)
        bodies = [zeep_signed(enviar_factura(document), face_hub.supplier) for _ in range(3)]
        answers: list[tuple[str, str]] = []

        def post(body: bytes, answers: list[tuple[str, str]] = answers) -> None:
            response = httpx.post(
                face_hub.endpoint, content=body, headers={"Content-Type": "text/xml"}, timeout=60
            )
            result = verify_response(response.content, face_hub.hub_cert_pem).operation.find("return")
            assert result is not None, response.text[:2000]
            answers.append((result.findtext("resultado/codigo") or "", response.text))

        threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        registered = _registered(face_hub, number, wait=0)
        assert len(registered) == 1, registered
        assert sorted(code for code, _ in answers) == ["0", "415", "415"], [c for c, _ in answers]
        for code, text in answers:
            assert code == "0" or registered[0] in text


def test_a_failing_blob_store_is_402_registers_nothing_and_the_resend_works(face_hub: FaceHub) -> None:
    """The blob store cannot write the invoice (here: a directory stands where its file goes, so
    the final rename fails as it would on a broken disk): FACe's 402 with the reason, nothing
    registered, no temporary file left behind; once the store works, the same document is
    registered."""
    xml, number = invoice_variant()
    document = signed(xml, face_hub.supplier)
    digest = hashlib.sha256(document).hexdigest()
    shard = Path(face_hub.env["FACTURAHUB_DATA_DIR"]) / "blobs" / digest[:2]
    blocker = shard / digest
    blocker.mkdir(parents=True)
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    try:
        refused = send_invoice(client, document)
        assert refused.resultado.codigo == "402", refused.resultado.descripcion
        description = refused.resultado.descripcion
        assert description.startswith("No se pudo guardar la factura: El almacén de documentos"), description
        assert "Es un directorio" in description and "vuelva a enviarla" in description, description
        assert str(shard) not in description  # no server paths
        assert refused.factura is None
        assert _registered(face_hub, number, wait=0) == []
        assert not [p.name for p in shard.iterdir() if p.name.startswith(".tmp-")]
    finally:
        blocker.rmdir()
    accepted = send_invoice(client, document)
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    assert _registered(face_hub, number, wait=0) == [accepted.factura.numeroRegistro]
    assert (shard / digest).read_bytes() == document


def test_a_resend_learns_its_number_even_when_the_blob_store_now_fails(face_hub: FaceHub) -> None:
    """D2 comes before what changed since registration: the very document resent after a lost
    answer is answered 415 with its number even when the blob store cannot write the request's
    attachment (its place is taken by a directory). It was 402 "nothing was registered", which is
    false: a supplier could file the invoice again under another number. A new document with the
    same failure is still 402."""
    xml, number = invoice_variant()
    document = signed(xml, face_hub.supplier)
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    accepted = send_invoice(client, document)
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    registry_number = accepted.factura.numeroRegistro

    attachment = f"albarán de {number}".encode()
    digest = hashlib.sha256(attachment).hexdigest()
    blocker = Path(face_hub.env["FACTURAHUB_DATA_DIR"]) / "blobs" / digest[:2] / digest
    blocker.mkdir(parents=True)
    anexos = [{"anexo": base64.b64encode(attachment).decode(), "nombre": "albaran.txt", "mime": "text/plain"}]
    try:
        resent = send_invoice(client, document, anexos=anexos)
        description = resent.resultado.descripcion
        assert resent.resultado.codigo == "415" and registry_number in description, description
        other = send_invoice(client, signed(invoice_variant()[0], face_hub.supplier), anexos=anexos)
        assert other.resultado.codigo == "402", other.resultado.descripcion
    finally:
        blocker.rmdir()
    assert _registered(face_hub, number, wait=0) == [registry_number]


_FAILING_TRIGGERS = {
    "sqlite": (
        [
            "CREATE TRIGGER simulated_failure BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'simulated: disk I/O error'); END"
        ],
        ["DROP TRIGGER simulated_failure"],
    ),
    "postgres": (
        [
            "CREATE FUNCTION simulated_failure() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'simulated: disk I/O error'; END $$",
            "CREATE TRIGGER simulated_failure BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION simulated_failure()",
        ],
        ["DROP TRIGGER simulated_failure ON {table}", "DROP FUNCTION simulated_failure()"],
    ),
}


@contextmanager
def _failing_inserts(face_hub: FaceHub, table: str) -> Iterator[None]:
    """The database refuses every insert into ``table`` (a trigger raising, as a full or broken
    disk would make it fail), until the block ends."""
    create, drop = _FAILING_TRIGGERS["sqlite" if face_hub.backend == "sqlite" else "postgres"]
    engine = create_engine(face_hub.env["FACTURAHUB_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            for statement in create:
                connection.exec_driver_sql(statement.format(table=table))
        yield
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.exec_driver_sql(statement.format(table=table))
        engine.dispose()


def test_a_database_that_cannot_save_the_invoice_is_402_and_the_resend_works(face_hub: FaceHub) -> None:
    """The write fails in the database (not the blob store): FACe's 402 with the database's own
    words and what to do, nothing registered; the same document is registered once it works. Any
    other request whose write fails gets a Server Fault (001) saying the same, not an anonymous
    internal error."""
    xml, number = invoice_variant()
    document = signed(xml, face_hub.supplier)
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    with _failing_inserts(face_hub, "invoices"):
        refused = send_invoice(client, document)
    assert refused.resultado.codigo == "402", refused.resultado.descripcion
    description = refused.resultado.descripcion
    assert description.startswith("No se pudo guardar la factura: La base de datos no pudo guardar"), (
        description
    )
    assert "simulated: disk I/O error" in description and "vuelva a enviarla" in description, description
    assert "INSERT" not in description  # the statement stays in the log
    assert refused.factura is None and _registered(face_hub, number, wait=0) == []

    with _failing_inserts(face_hub, "seen_signatures"):  # every request's write phase
        answer = post(
            face_hub.endpoint,
            zeep_signed(face_payload("consultarEstados"), face_hub.supplier),
            face_hub.hub_cert_pem,
        )
    assert answer.status == 500 and answer.fault_code == "001", answer.fault_string
    assert answer.root.findtext(f".//{{{SOAP}}}Fault/faultcode", "").endswith("Server")
    assert "La base de datos del servicio no está disponible" in answer.fault_string
    assert "simulated: disk I/O error" in answer.fault_string

    accepted = send_invoice(client, document)
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    assert _registered(face_hub, number, wait=0) == [accepted.factura.numeroRegistro]


def test_the_server_prepares_every_blob_shard_at_start_up(face_hub: FaceHub) -> None:
    """``facturahub serve`` creates the blob store's 256 shard directories before it serves, so no
    registration pays for creating one (a directory and an fsync of the store's root)."""
    root = Path(face_hub.env["FACTURAHUB_DATA_DIR"]) / "blobs"
    shards = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert shards == [f"{i:02x}" for i in range(256)]
