"""A real hub for the RCF functional tests, built as :mod:`tests.functional.face_hub` builds the
FACe one (own database, migrated and seeded by the real CLI, served by ``facturahub serve``), plus
a second accounting registry — another integrator whose reception platform is approved, through
the CLI, for the office ``DFB0`` only — and what the RCF tests need: zeep clients for both services,
the sim-responses of a real RCF client, and a structural comparison with them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import BACKENDS, SHARED_DATA
from tests.functional.face_hub import FaceHub, _cli, served_hub
from tests.functional.soap_client import zeep_client
from zeep.helpers import serialize_object

from facturahub.signatures.certgen import Identity, issue

SIM_RESPONSES = SHARED_DATA / "face-rcf" / "sim-responses"
OFFICE = "P00000010"  # where the sample invoices are addressed
OTHER_REGISTRY_NIF = "P4800000D"
OTHER_REGISTRY_OFFICE = "DFB0"


@dataclass
class RcfHub(FaceHub):
    other_registry: Identity  # another integrator's reception platform, approved for DFB0 only

    @property
    def rcf_endpoint(self) -> str:
        return f"{self.base_url}/face/facturasrcf2"

    @property
    def rcf_wsdl_url(self) -> str:
        return f"{self.rcf_endpoint}?wsdl"

    @property
    def database_url(self) -> str:
        return self.env["FACTURAHUB_DATABASE_URL"]

    def rcf(self, signer: Identity | None = None) -> Any:
        """zeep built from /face/facturasrcf2?wsdl, signing as ``signer`` (default: the sandbox
        registry) and verifying every response with the hub certificate."""
        return zeep_client(self.rcf_wsdl_url, signer or self.registry, self.hub_cert_pem)

    def supplier_client(self) -> Any:
        return zeep_client(self.wsdl_url, self.supplier, self.hub_cert_pem)


@pytest.fixture(scope="module", params=BACKENDS)
def rcf_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RcfHub]:
    backend = str(request.param)
    with served_hub(
        backend,
        tmp_path_factory.mktemp(f"rcf-{backend}"),
        lambda env, root: {"other_registry": _register_other_registry(env, root)},
    ) as fields:
        yield RcfHub(**fields)


def _register_other_registry(env: dict[str, str], root: Path) -> Identity:
    """Another integrator's reception platform, approved by the operator for DFB0 only."""
    identity = issue("other registry", tax_id=OTHER_REGISTRY_NIF, organisation="Otro RCF de pruebas")
    pem = root / "other-registry.pem"
    pem.write_bytes(identity.certificate_pem)
    _cli(
        env,
        "integrator",
        "register",
        "--nif",
        OTHER_REGISTRY_NIF,
        "--legal-name",
        "Otro registro contable de pruebas",
        "--email",
        "otro-rcf@facturahub.invalid",
        "--accepted-by",
        "00000000T",
        "--accept-terms",
    )
    _cli(env, "certificate", "register", OTHER_REGISTRY_NIF, str(pem), "--alias", "otro-rcf")
    created = json.loads(
        _cli(
            env,
            "--json",
            "platform",
            "create",
            OTHER_REGISTRY_NIF,
            "--name",
            "otro-rcf",
            "--reception",
            "--certificate",
            identity.sha256,
        )
    )
    _cli(env, "platform", "request-unit", created["code"], OTHER_REGISTRY_OFFICE)
    _cli(env, "platform", "decide-unit", created["code"], OTHER_REGISTRY_OFFICE, "--approve")
    return identity


# --- the supplier's side ------------------------------------------------------------------------


def send(client: Any, invoice: bytes, attachments: tuple[tuple[str, str, bytes], ...] = ()) -> str:
    """enviarFactura through the suppliers' service; the registry number."""
    sent = client.service.enviarFactura(
        {
            "correo": "proveedor@example.com",
            "factura": {
                "factura": base64.b64encode(invoice).decode(),
                "nombre": "factura.xsig",
                "mime": "application/xml",
            },
            "anexos": {
                "anexo": [
                    {"anexo": base64.b64encode(data).decode(), "nombre": name, "mime": mime}
                    for name, mime, data in attachments
                ]
            },
        }
    )
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    return str(sent.factura.numeroRegistro)


# --- a real RCF client's view -------------------------------------------------------------------


def sim(name: str) -> Any:
    """One of the responses a real RCF client (aapp2face) reads, as JSON."""
    return json.loads((SIM_RESPONSES / name).read_text(encoding="utf-8"))


def plain(response: Any) -> Any:
    """A zeep response as the plain dicts and lists the sim-responses are written in."""
    return json.loads(json.dumps(serialize_object(response, dict), default=str))


def assert_same_shape(ours: Any, theirs: Any, path: str = "return") -> None:
    """``ours`` has the structure of ``theirs``: the same keys at every level, lists where they
    have lists (item by item when both have as many, else every item shaped as their first),
    plain values where they have plain values."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: expected an object, found {ours!r}"
        assert set(ours) == set(theirs), f"{path}: keys {sorted(ours)} != {sorted(theirs)}"
        for key, value in theirs.items():
            assert_same_shape(ours[key], value, f"{path}/{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{path}: expected a list, found {ours!r}"
        if theirs:
            pairwise = len(ours) == len(theirs)
            for position, item in enumerate(ours):
                assert_same_shape(item, theirs[position if pairwise else 0], f"{path}[{position}]")
    else:
        assert ours is None or isinstance(ours, str), f"{path}: expected a value, found {ours!r}"
