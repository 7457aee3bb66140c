"""The optional trust store for invoice signatures (issue 3 item 5; protocols.md §6.4) through the
real protocol, SQLite and PostgreSQL: a hub started with ``FACTURAHUB_TRUST_STORE`` (a PEM bundle)
accepts invoices whose signing certificate chains up to one of its CAs — with the intermediate
embedded in the signature's KeyInfo — and refuses with 428 and a precise text an invoice signed
under another root, or whose intermediate is missing; the sandbox supplier's self-signed test
certificate is refused until the store holds it (the store is re-read when its file changes).
A trust store that cannot be read stops the hub at start-up."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import BACKENDS
from tests.functional.face_hub import FACTURAHUB, invoice_variant
from tests.functional.hub_process import HubProcess, own_hub
from tests.functional.soap_client import send_invoice, zeep_client

from facturahub.signatures.certgen import Identity, issue
from facturahub.signatures.xades_sign import sign_invoice

SIGNATURE_TEXT = "La firma de la factura es incorrecta"


@dataclass
class TrustedHub:
    process: HubProcess
    store: Path
    root: Identity
    intermediate: Identity
    leaf: Identity

    def client(self, profile: str = "face") -> Any:
        endpoint = self.process.face_endpoint if profile == "face" else self.process.efact_endpoint
        return zeep_client(f"{endpoint}?wsdl", self.process.supplier, self.process.hub_cert_pem)


@pytest.fixture(scope="module", params=BACKENDS)
def trusted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustedHub]:
    root_dir = tmp_path_factory.mktemp(f"trust-{request.param}")
    root = issue("Raiz de confianza", organisation="CA Tests", is_ca=True, days=3650)
    intermediate = issue("CA emisora", organisation="CA Tests", issuer=root, is_ca=True, days=1825)
    leaf = issue("Firmante de facturas", tax_id="12345678Z", organisation="Emisor SL", issuer=intermediate)
    store = root_dir / "trust.pem"
    store.write_bytes(root.certificate_pem)
    with own_hub(str(request.param), root_dir, TRUST_STORE=str(store)) as process:
        process.start()
        yield TrustedHub(process, store, root, intermediate, leaf)


def _signed(signer: Identity, chain: tuple[Identity, ...] = ()) -> bytes:
    return sign_invoice(
        invoice_variant()[0], signer.certificate, signer.private_key, chain=[c.certificate for c in chain]
    )


@pytest.mark.parametrize("profile", ["face", "efact"])
def test_chain_to_a_trusted_root_is_accepted_others_are_428(trusted: TrustedHub, profile: str) -> None:
    client = trusted.client(profile)
    accepted = send_invoice(client, _signed(trusted.leaf, (trusted.intermediate,)))
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion

    stranger_root = issue("Raiz desconocida", organisation="Otra CA", is_ca=True)
    stranger = issue("Firmante ajeno", tax_id="12345678Z", organisation="Emisor SL", issuer=stranger_root)
    untrusted = send_invoice(client, _signed(stranger, (stranger_root,)))
    description = untrusted.resultado.descripcion
    assert untrusted.resultado.codigo == "428" and description.startswith(SIGNATURE_TEXT), description
    assert "Raiz desconocida" in description and "no está en el almacén de confianza" in description
    assert untrusted.factura is None

    missing = send_invoice(client, _signed(trusted.leaf))  # the intermediate is not embedded
    description = missing.resultado.descripcion
    assert missing.resultado.codigo == "428", description
    assert "CA emisora" in description and "Firmante de facturas" in description


def test_sandbox_certificate_refused_until_the_store_holds_it(trusted: TrustedHub) -> None:
    client = trusted.client()
    document = sign_invoice(
        invoice_variant()[0], trusted.process.supplier.certificate, trusted.process.supplier.private_key
    )
    refused = send_invoice(client, document)
    assert refused.resultado.codigo == "428", refused.resultado.descripcion
    assert "facturahub sandbox supplier" in refused.resultado.descripcion
    original = trusted.store.read_bytes()
    trusted.store.write_bytes(original + trusted.process.supplier.certificate_pem)
    try:
        accepted = send_invoice(client, document)  # the very same document
        assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    finally:
        trusted.store.write_bytes(original)
    # D2: resent after a lost answer, the registered document learns its number although the
    # store no longer trusts its signer (it was refused 428, as if it had never been registered)
    resent = send_invoice(client, document)
    description = resent.resultado.descripcion
    assert resent.resultado.codigo == "415" and accepted.factura.numeroRegistro in description, description


def test_unusable_trust_store_stops_start_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_TRUST_STORE": str(tmp_path / "no-such-store.pem"),
        "FACTURAHUB_WORKERS": "1",
    }
    env.pop("FACTURAHUB_CONFIG", None)
    done = subprocess.run(
        [FACTURAHUB, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert "no-such-store.pem" in done.stderr and "almacén de confianza" in done.stderr
    empty = tmp_path / "empty.pem"
    empty.write_text("# nothing here\n")
    env["FACTURAHUB_TRUST_STORE"] = str(empty)
    done = subprocess.run(
        [FACTURAHUB, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0 and "no contiene ningún certificado" in done.stderr
