"""A real hub for the eFACT functional tests, built exactly as :mod:`tests.functional.face_hub`
builds the FACe one (own database, migrated and seeded by the real CLI, a second supplier
integrator, ``facturahub serve`` on a free port), plus what the eFACT tests need: a zeep client
for ``/efact/sspp``, hand-written eFACT payloads, and reading the ZIPs the status downloads return.

Until ``facturahub.soap.routes.PROFILES`` lists the eFACT profile, the server is started through a
small launcher that appends it before running ``facturahub serve`` (nothing else is changed);
once routes.py registers it, the launcher finds it there and adds nothing (and the hub could be
served by ``facturahub serve`` itself, with its workers).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from tests.conftest import BACKENDS, SHARED_DATA
from tests.functional.face_hub import (
    MAX_REQUEST_BYTES,
    FaceHub,
    _cli,
    _free_port,
    _OwnDatabase,
    _pem_identity,
    _register_other_supplier,
    _wait_until_up,
)
from tests.functional.soap_client import zeep_client

from facturahub.soap.efact_suppliers import EFACT_SUPPLIERS

EFACT = "https://webservice.efact.es/sspp"
ISSUER = "12345678Z"  # the seller of the fawno sample invoices
FEEDBACK_XSD = SHARED_DATA / "efact" / "DeliveryFeedback.xsd"
MAX_UNZIPPED = 5 * 1024 * 1024

_LAUNCHER = """
import sys
from facturahub.soap import routes
from facturahub.soap.efact_suppliers import EFACT_SUPPLIERS
if all(profile.path != EFACT_SUPPLIERS.path for profile in routes.PROFILES):
    routes.PROFILES = (*routes.PROFILES, EFACT_SUPPLIERS)
from facturahub.cli import main
sys.argv = ["facturahub", "serve"]
main()
"""


@dataclass
class EfactHub(FaceHub):
    @property
    def endpoint(self) -> str:
        return f"{self.base_url}{EFACT_SUPPLIERS.path}"

    @property
    def face_endpoint(self) -> str:
        return f"{self.base_url}/face/facturasspp2"

    def client(self, signer: Any = None) -> Any:
        """zeep built from /efact/sspp?wsdl, signing (signed Timestamp) as ``signer`` (default:
        the sandbox supplier) and verifying every response with the hub certificate."""
        return zeep_client(self.wsdl_url, signer or self.supplier, self.hub_cert_pem)


@pytest.fixture(scope="module", params=BACKENDS)
def efact_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EfactHub]:
    backend = str(request.param)
    root = tmp_path_factory.mktemp(f"efact-{backend}")
    with _OwnDatabase(backend, root) as url:
        port = _free_port()
        env = {
            **os.environ,
            "FACTURAHUB_DATABASE_URL": url,
            "FACTURAHUB_DATA_DIR": str(root / "var"),
            "FACTURAHUB_PORT": str(port),
            "FACTURAHUB_FACTURAE_SCHEMA_DIR": str(SHARED_DATA / "facturae" / "xsd"),
            "FACTURAHUB_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
            # one in-process worker: the launcher's registration must be in the serving process
            "FACTURAHUB_WORKERS": "1",
        }
        env.pop("FACTURAHUB_CONFIG", None)
        _cli(env, "db", "upgrade")
        sandbox = json.loads(_cli(env, "sandbox", "init", "--out", str(root / "sandbox")))
        other = _register_other_supplier(env, root)
        server = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(port, server)
            yield EfactHub(
                base_url=f"http://127.0.0.1:{port}",
                env=env,
                sandbox=sandbox,
                supplier=_pem_identity(sandbox["supplier"]),
                registry=_pem_identity(sandbox["registry"]),
                other_supplier=other,
                hub_cert_pem=(root / "sandbox" / "hub-cert.pem").read_bytes(),
                backend=backend,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)


def efact_payload(operation: str, inner: str = "") -> str:
    return f'<sspp:{operation} xmlns:sspp="{EFACT}">{inner}</sspp:{operation}>'


def unzip_one(fichero: str | bytes) -> tuple[str, etree._Element]:
    """The single XML file inside a base64 ZIP (``ficheroResultante``), bounded."""
    data = base64.b64decode(fichero, validate=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert len(infos) == 1, [info.filename for info in infos]
        assert archive.testzip() is None
        with archive.open(infos[0]) as stream:
            content = stream.read(MAX_UNZIPPED + 1)
    assert len(content) <= MAX_UNZIPPED
    return infos[0].filename, etree.fromstring(content)


def feedback_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FEEDBACK_XSD)))
