"""A real hub for the FACe functional tests: its own database (SQLite file or a fresh PostgreSQL
database), migrated and seeded by the real CLI (`db upgrade`, `sandbox init`, a second supplier
integrator registered through the CLI), served by `facturahub serve` on a free port.

One hub per test module and backend; tests never depend on an empty database (each invoice they
send gets a unique number, see :func:`invoice_variant`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL, SHARED_DATA, _postgres_unavailable

from facturahub.signatures.certgen import Identity, load_identity
from facturahub.signatures.xades_sign import sign_invoice

FACTURAHUB = str(Path(sys.executable).parent / "facturahub")
SAMPLES = SHARED_DATA / "facturae" / "samples"
FNMT_P12 = SHARED_DATA / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12"
OTHER_SUPPLIER_NIF = "99999999R"
MAX_REQUEST_BYTES = 2 * 1024 * 1024
# a full directory file that keeps the sandbox's units (protocols.md §6: the centres of the samples)
HEADER = "administracion,oc_codigo,og_codigo,ut_codigo,activa\n"
SANDBOX_ROWS = (
    "P00000010,P00000010,P00000010,P00000010,1\n"
    "DFB0,DFB0,020110,0201,1\n"
    "L01280796,L01280796,LA0007407,LA0007408,1\n"
)


@dataclass
class FaceHub:
    base_url: str
    env: dict[str, str]
    sandbox: dict[str, Any]
    supplier: Identity
    registry: Identity  # reception-only platform: not allowed on the suppliers' service
    other_supplier: Identity  # another integrator's sending platform
    hub_cert_pem: bytes
    backend: str

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/face/facturasspp2"

    @property
    def wsdl_url(self) -> str:
        return f"{self.endpoint}?wsdl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"facturahub {' '.join(args)}: {done.stderr}"
    return done.stdout


def hub_env(database_url: str, root: Path, **settings: str) -> dict[str, str]:
    """The environment of a test hub: its database, its data directory under ``root``, a free
    port, schema validation on, a 2 MiB request cap; ``settings`` are further ``FACTURAHUB_*``
    variables without the prefix (``WORKERS="1"``)."""
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": database_url,
        "FACTURAHUB_DATA_DIR": str(root / "var"),
        "FACTURAHUB_PORT": str(_free_port()),
        "FACTURAHUB_FACTURAE_SCHEMA_DIR": str(SHARED_DATA / "facturae" / "xsd"),
        "FACTURAHUB_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
        **{f"FACTURAHUB_{name.upper()}": value for name, value in settings.items()},
    }
    env.pop("FACTURAHUB_CONFIG", None)
    return env


@contextmanager
def served_hub(
    backend: str,
    root: Path,
    prepare: Callable[[dict[str, str], Path], dict[str, Any]] | None = None,
    **settings: str,
) -> Iterator[dict[str, Any]]:
    """A hub with its own database, migrated and seeded by the real CLI, a second supplier
    integrator registered, served by ``facturahub serve``; yields the :class:`FaceHub` fields, plus
    whatever ``prepare(env, root)`` (run before the server starts) returns; ``settings`` as for
    :func:`hub_env`."""
    with _OwnDatabase(backend, root) as url:
        env = hub_env(url, root, **settings)
        _cli(env, "db", "upgrade")
        sandbox = json.loads(_cli(env, "sandbox", "init", "--out", str(root / "sandbox")))
        fields = {
            "base_url": f"http://127.0.0.1:{env['FACTURAHUB_PORT']}",
            "env": env,
            "sandbox": sandbox,
            "supplier": _pem_identity(sandbox["supplier"]),
            "registry": _pem_identity(sandbox["registry"]),
            "other_supplier": _register_other_supplier(env, root),
            "hub_cert_pem": (root / "sandbox" / "hub-cert.pem").read_bytes(),
            "backend": backend,
            **(prepare(env, root) if prepare else {}),
        }
        server = subprocess.Popen(
            [FACTURAHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(int(env["FACTURAHUB_PORT"]), server)
            yield fields
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="module", params=BACKENDS)
def face_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaceHub]:
    backend = str(request.param)
    with served_hub(backend, tmp_path_factory.mktemp(f"face-{backend}")) as fields:
        yield FaceHub(**fields)


class _OwnDatabase:
    """A database of its own for this hub (other modules empty the shared test databases)."""

    def __init__(self, backend: str, root: Path) -> None:
        self.backend, self.root, self.name = backend, root, f"facturahub_face_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.root / 'facturahub.db'}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as exc:
            _postgres_unavailable(str(exc).splitlines()[0])
        finally:
            admin.dispose()
        return make_url(POSTGRES_ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *_: object) -> None:
        if self.backend == "sqlite":
            return
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def _pem_identity(role: dict[str, Any]) -> Identity:
    return load_identity(Path(role["cert"]).read_bytes(), Path(role["key"]).read_bytes())


def fnmt_identity() -> Identity:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, certificate, _ = pkcs12.load_key_and_certificates(FNMT_P12.read_bytes(), b"1234")
    assert isinstance(key, rsa.RSAPrivateKey) and certificate is not None
    return Identity(certificate=certificate, private_key=key)


def _register_other_supplier(env: dict[str, str], root: Path) -> Identity:
    """Another integrator with its own sending platform, whose certificate is FNMT's test one."""
    identity = fnmt_identity()
    register_sender(env, root, OTHER_SUPPLIER_NIF, "Otro proveedor de pruebas", identity)
    return identity


def register_sender(env: dict[str, str], root: Path, nif: str, legal_name: str, identity: Identity) -> str:
    """Register integrator ``nif`` with a sending platform whose certificate is ``identity``'s;
    the platform's code."""
    pem = root / f"sender-{nif}.pem"
    pem.write_bytes(identity.certificate_pem)
    _cli(
        env,
        "integrator",
        "register",
        "--nif",
        nif,
        "--legal-name",
        legal_name,
        "--email",
        f"{nif.lower()}@facturahub.invalid",
        "--accepted-by",
        "00000000T",
        "--accept-terms",
    )
    _cli(env, "certificate", "register", nif, str(pem), "--alias", legal_name[:40])
    created = _cli(
        env,
        "--json",
        "platform",
        "create",
        nif,
        "--name",
        f"envio-{nif.lower()}",
        "--sending",
        "--certificate",
        identity.sha256,
    )
    return str(json.loads(created)["code"])


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode() if server.stdout else ""
            pytest.fail(f"facturahub serve exited early: {output}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("the hub did not answer /health within 60 s")


# --- invoices -----------------------------------------------------------------------------------


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def invoice_variant(
    name: str = "fawno-unsigned-factura-prueba-v1-2-0.xml",
    *,
    number: str | None = None,
    replace: tuple[tuple[str, str], ...] = (),
) -> tuple[bytes, str]:
    """An unsigned sample with a unique (or given) InvoiceNumber and textual replacements."""
    xml = sample(name).decode("utf-8")
    number = number or f"T{uuid.uuid4().hex[:12].upper()}"
    start = xml.index("<InvoiceNumber>") + len("<InvoiceNumber>")
    end = xml.index("</InvoiceNumber>", start)
    xml = xml[:start] + number + xml[end:]
    for old, new in replace:
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8"), number


def signed(xml: bytes, signer: Identity) -> bytes:
    return sign_invoice(xml, signer.certificate, signer.private_key)
