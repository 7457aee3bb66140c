"""Real parts for the notification tests: a hub (`facturahub serve`) and its background worker
(`facturahub worker`) as processes, a real SMTP server (aiosmtpd) and a real local SOAP endpoint
implementing the supplier side of FACe's ``setEstadoFactura``, which verifies the hub's WS-Security
signature with the hub certificate (zeep's verifier, independent of ours) and records each call.

Both can be taken down and brought back on the same port, to prove retries. The job queue is huey
on its SQLite file, or on Redis (127.0.0.1:6379) under a queue name unique to the hub.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from lxml import etree
from sqlalchemy import Engine, create_engine, text
from tests.conftest import SHARED_DATA
from tests.functional.face_hub import (
    FACTURAHUB,
    _cli,
    _free_port,
    _OwnDatabase,
    _pem_identity,
    _wait_until_up,
    invoice_variant,
    signed,
)
from tests.functional.push_servers import RawEndpoint
from tests.functional.soap_client import zeep_client
from tests.functional.worker_process import WorkerProcess
from zeep.wsse.signature import MemorySignature

from facturahub.signatures.certgen import Identity

REDIS_URL = "redis://127.0.0.1:6379/0"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
FACE = "https://webservice.face.gob.es"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


# --- SMTP ---------------------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self.quit_reply = "221 Bye"  # a test may make QUIT fail, as a relay shutting down does

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        return self.quit_reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = _Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def for_registry_number(self, number: str) -> list[EmailMessage]:
        with self.inbox.lock:
            return [m for m in self.inbox.messages if number in str(m["Subject"])]


# --- push endpoint ------------------------------------------------------------------------------


@dataclass
class Push:
    registry_number: str
    tramitacion: str
    anulacion: str
    motivo_tramitacion: str | None
    motivo_anulacion: str | None
    token_der: bytes
    signature_method: str
    digest_methods: list[str]


@dataclass
class PushEndpoint:
    """The supplier's ``setEstadoFactura`` service (RPC/literal), verifying the hub's signature."""

    hub_cert_pem: bytes
    host: str = "127.0.0.1"
    port: int = field(default_factory=_free_port)
    calls: list[Push] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/proveedor/setEstadoFactura"

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    push = endpoint.verify(body)
                except Exception as exc:
                    endpoint.rejected.append(f"{type(exc).__name__}: {exc}")
                    self._answer(500, _fault(str(exc)))
                    return
                endpoint.calls.append(push)
                self._answer(200, _ok(push.registry_number))

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def verify(self, body: bytes) -> Push:
        envelope = etree.fromstring(body)
        # zeep's xmlsec-based verifier with the hub certificate: raises unless Body (and
        # Timestamp) are signed by the hub's key.
        MemorySignature(b"", self.hub_cert_pem).verify(envelope)
        token = envelope.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{WSSE}}}BinarySecurityToken")
        assert token is not None and token.text
        operation = envelope.find(f"{{{SOAP}}}Body/{{{FACE}}}setEstadoFactura")
        assert operation is not None, "not a setEstadoFactura request"
        factura = operation.find("request/factura")
        assert factura is not None, "no request/factura"
        return Push(
            registry_number=factura.findtext("numeroRegistro") or "",
            tramitacion=factura.findtext("tramitacion/codigo") or "",
            anulacion=factura.findtext("anulacion/codigo") or "",
            motivo_tramitacion=factura.findtext("tramitacion/motivo") or None,
            motivo_anulacion=factura.findtext("anulacion/motivo") or None,
            token_der=base64.b64decode(token.text),
            signature_method=envelope.find(f".//{{{DSIG}}}SignatureMethod").get("Algorithm", ""),
            digest_methods=[d.get("Algorithm", "") for d in envelope.iter(f"{{{DSIG}}}DigestMethod")],
        )

    def for_registry_number(self, number: str) -> list[Push]:
        return [call for call in list(self.calls) if call.registry_number == number]


def _ok(number: str) -> bytes:
    return (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}" xmlns:ns1="{FACE}"><SOAP-ENV:Body>'
        "<ns1:setEstadoFacturaResponse><return><resultado><codigo>0</codigo><descripcion>Correcto"
        f"</descripcion><codigoSeguimiento/></resultado><factura><numeroRegistro>{number}"
        "</numeroRegistro><codigo>0</codigo><descripcion/></factura></return>"
        "</ns1:setEstadoFacturaResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def held_endpoint(release: threading.Event, hold_seconds: float = 90) -> RawEndpoint:
    """A push endpoint that answers each call ``codigo 0`` only once ``release`` is set."""

    def answer_when_released(client: socket.socket) -> None:
        assert release.wait(hold_seconds)
        payload = _ok("0")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(payload)}\r\n\r\n"
        client.sendall(head.encode() + payload)

    return RawEndpoint(answer_when_released)


def _fault(text: str) -> bytes:
    return (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}"><SOAP-ENV:Body><SOAP-ENV:Fault>'
        f"<faultcode>SOAP-ENV:Client</faultcode><faultstring>{text[:200]}</faultstring>"
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


# --- the hub and its worker ---------------------------------------------------------------------


@dataclass
class NotifyHub:
    base_url: str
    env: dict[str, str]
    sandbox: dict[str, Any]
    supplier: Identity
    hub_cert_pem: bytes
    backend: str
    queue: str
    smtp: SMTPServer
    worker: WorkerProcess | None = None
    worker_logs: list[Path] = field(default_factory=list)
    _engine: Engine | None = None

    @property
    def suppliers_wsdl(self) -> str:
        return f"{self.base_url}/face/facturasspp2?wsdl"

    @property
    def notifications_wsdl(self) -> str:
        return f"{self.base_url}/face/notificasspp2?wsdl"

    def start_worker(self, **settings: str) -> None:
        """``settings``: ``FACTURAHUB_*`` variables of this worker only (e.g. a narrower policy)."""
        assert self.worker is None
        log = self.env_root / f"worker-{len(self.worker_logs)}.log"
        self.worker_logs.append(log)
        self.worker = WorkerProcess.start({**self.env, **settings}, log)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    @property
    def env_root(self) -> Path:
        return Path(self.env["FACTURAHUB_DATA_DIR"]).parent

    def worker_output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.worker_logs if p.exists())

    def cli_json(self, *args: str) -> Any:
        return json.loads(_cli(self.env, "--json", *args))

    def cli(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [FACTURAHUB, *args], env=self.env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == expect, f"facturahub {' '.join(args)}: {done.returncode} {done.stderr}"
        return done

    def rows(self, registry_number: str) -> list[dict[str, Any]]:
        """The invoice's notifications, read straight from the database (fast polling)."""
        if self._engine is None:
            self._engine = create_engine(self.env["FACTURAHUB_DATABASE_URL"])
        statement = text(
            "SELECT n.id, n.channel, n.state, n.attempts, n.last_error, n.target FROM notifications n "
            "JOIN invoices i ON i.id = n.invoice_id WHERE i.registry_number = :number ORDER BY n.id"
        )
        with self._engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(statement, {"number": registry_number})]

    def push_row(self, registry_number: str) -> dict[str, Any]:
        """The invoice's one push notification."""
        [row] = [row for row in self.rows(registry_number) if row["channel"] == "push"]
        return row

    def set_push(self, url: str, state: str = "enabled") -> None:
        """The sandbox supplier's push endpoint, through ``setNotificacion``."""
        answer = self.notifications_client().service.setNotificacion(
            {"codigo": "3", "estado": state, "value": url}
        )
        assert answer.resultado.codigo == "0", answer.resultado.descripcion

    def notifications(self, state: str | None = None) -> list[dict[str, Any]]:
        args = ["notify", "list", "--limit", "10000"] + (["--state", state] if state else [])
        rows: list[dict[str, Any]] = self.cli_json(*args)
        return rows

    def submit(self, client: Any, correo: str | None = "proveedor@example.com") -> str:
        answer = self.send(client, invoice_variant()[0], correo)
        assert answer.resultado.codigo == "0", answer.resultado.descripcion
        return str(answer.factura.numeroRegistro)

    def send(self, client: Any, invoice: bytes, correo: str | None) -> Any:
        """``enviarFactura`` of ``invoice`` signed by the sandbox supplier; the answer."""
        request: dict[str, Any] = {
            "correo": correo,
            "factura": {
                "factura": base64.b64encode(signed(invoice, self.supplier)).decode(),
                "nombre": "factura.xsig",
                "mime": "application/xml",
            },
            "anexos": {"anexo": []},
        }
        return client.service.enviarFactura(request)

    def suppliers_client(self) -> Any:
        return zeep_client(self.suppliers_wsdl, self.supplier, self.hub_cert_pem)

    def registry_client(self) -> Any:
        """The sandbox registry on the RCF service (it receives the sandbox units' invoices)."""
        registry = _pem_identity(self.sandbox["registry"])
        return zeep_client(f"{self.base_url}/face/facturasrcf2?wsdl", registry, self.hub_cert_pem)

    def notifications_client(self) -> Any:
        return zeep_client(self.notifications_wsdl, self.supplier, self.hub_cert_pem)


QUEUES = (("sqlite", "sqlite"), ("postgres", "redis"))


@pytest.fixture(scope="module", params=QUEUES, ids=[f"{db}-db-{queue}-queue" for db, queue in QUEUES])
def notify_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NotifyHub]:
    backend, queue_backend = request.param
    root = tmp_path_factory.mktemp(f"notify-{backend}-{queue_backend}")
    with running_notify_hub(backend, queue_backend, root) as hub:
        yield hub


@contextmanager
def running_notify_hub(
    backend: str, queue_backend: str, root: Path, settings: dict[str, str] | None = None
) -> Iterator[NotifyHub]:
    """A hub (``facturahub serve``) with its SMTP server; ``settings``: extra ``FACTURAHUB_*``."""
    smtp = SMTPServer()
    smtp.start()
    queue_name = f"facturahub_test_{uuid.uuid4().hex[:10]}"
    with _OwnDatabase(backend, root) as url:
        port = _free_port()
        env = {
            **os.environ,
            "FACTURAHUB_DATABASE_URL": url,
            "FACTURAHUB_DATA_DIR": str(root / "var"),
            "FACTURAHUB_PORT": str(port),
            "FACTURAHUB_WORKERS": "1",
            "FACTURAHUB_FACTURAE_SCHEMA_DIR": str(SHARED_DATA / "facturae" / "xsd"),
            "FACTURAHUB_SMTP_HOST": "127.0.0.1",
            "FACTURAHUB_SMTP_PORT": str(smtp.port),
            "FACTURAHUB_SMTP_FROM": "facturas@hub.example",
            "FACTURAHUB_SMTP_TIMEOUT_SECONDS": "5",
            "FACTURAHUB_PUSH_TIMEOUT_SECONDS": "5",
            "FACTURAHUB_NOTIFY_RETRY_SECONDS": "1",
            "FACTURAHUB_NOTIFY_RETRY_MAX_SECONDS": "2",
            "FACTURAHUB_NOTIFY_MAX_ATTEMPTS": "4",
            "FACTURAHUB_JOBS_POLL_SECONDS": "0.2",
            "FACTURAHUB_JOBS_QUEUE": queue_name,
            **(settings or {}),
        }
        env.pop("FACTURAHUB_CONFIG", None)
        env.pop("FACTURAHUB_REDIS_URL", None)
        if queue_backend == "redis":
            env["FACTURAHUB_REDIS_URL"] = REDIS_URL
        _cli(env, "db", "upgrade")
        sandbox = json.loads(_cli(env, "sandbox", "init", "--out", str(root / "sandbox")))
        server = subprocess.Popen(
            [FACTURAHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        hub = NotifyHub(
            base_url=f"http://127.0.0.1:{port}",
            env=env,
            sandbox=sandbox,
            supplier=_pem_identity(sandbox["supplier"]),
            hub_cert_pem=(root / "sandbox" / "hub-cert.pem").read_bytes(),
            backend=backend,
            queue=queue_backend,
            smtp=smtp,
        )
        try:
            _wait_until_up(port, server)
            yield hub
        finally:
            hub.stop_worker()
            if hub._engine is not None:
                hub._engine.dispose()
            server.terminate()
            server.wait(timeout=20)
            smtp.stop()
            if queue_backend == "redis":
                _flush_redis_queue(queue_name)


def _flush_redis_queue(name: str) -> None:
    from huey import RedisHuey

    RedisHuey(name, url=REDIS_URL).storage.flush_all()
