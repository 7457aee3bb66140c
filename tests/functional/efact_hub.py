"""A real hub for the eFACT functional tests, built exactly as :mod:`tests.functional.face_hub`
builds the FACe one (own database, migrated and seeded by the real CLI, a second supplier
integrator, ``facturahub serve`` on a free port), plus what the eFACT tests need: a zeep client
for ``/efact/sspp``, hand-written eFACT payloads, and reading the ZIPs the status downloads return.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from tests.conftest import BACKENDS, SHARED_DATA
from tests.functional.face_hub import FaceHub, served_hub
from tests.functional.soap_client import zeep_client

from facturahub.soap.efact_suppliers import EFACT_SUPPLIERS

EFACT = "https://webservice.efact.es/sspp"
ISSUER = "12345678Z"  # the seller of the fawno sample invoices
FEEDBACK_XSD = SHARED_DATA / "efact" / "DeliveryFeedback.xsd"
MAX_UNZIPPED = 5 * 1024 * 1024


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
    with served_hub(backend, tmp_path_factory.mktemp(f"efact-{backend}")) as fields:
        yield EfactHub(**fields)


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
