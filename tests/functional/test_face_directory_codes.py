"""The directory checks of enviarFactura through zeep (protocols.md §6 step 5, codes 409–413): an
invoice whose órgano gestor, unidad tramitadora or oficina contable is unknown or inactive, or whose
three centres are related only by an inactive relation, is refused with FACe's code and a text
naming the centre — on both suppliers' profiles (FACe and eFACT), SQLite and PostgreSQL.

The directory is changed only through the real CLI (``facturahub dir3 import``): a partial import
adds units and relations, then a full import leaves some of them out, which deactivates them (units
are never deleted: invoices refer to them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.functional.face_hub import HEADER, SANDBOX_ROWS, FaceHub, _cli, face_hub, invoice_variant, signed
from tests.functional.soap_client import send_invoice, zeep_client

__all__ = ["face_hub"]

# (oficina contable, órgano gestor, unidad tramitadora)
ADDED = (
    "ZZ01,ZOC1,ZOG1,ZUT1,1\n"  # ZOG1 is left out of the full import: inactive
    "ZZ01,ZOC1,ZOG2,ZUT1,1\n"  # stays: the control, accepted
    "ZZ01,ZOC2,ZOG2,ZUT2,1\n"  # ZOC2 and ZUT2 are left out of the full import: inactive
    "ZZ01,ZOC3,ZOG3,ZUT3,0\n"  # an inactive relation between active units
)
KEPT = "ZZ01,ZOC1,ZOG2,ZUT1,1\nZZ01,ZOC3,ZOG3,ZUT3,0\n"


@pytest.fixture(scope="module")
def directory(face_hub: FaceHub, tmp_path_factory: pytest.TempPathFactory) -> FaceHub:
    root = tmp_path_factory.mktemp("dir3")
    partial, full = root / "added.csv", root / "full.csv"
    partial.write_text(HEADER + ADDED, encoding="utf-8")
    full.write_text(HEADER + SANDBOX_ROWS + KEPT, encoding="utf-8")
    _cli(face_hub.env, "dir3", "import", "--partial", str(partial))
    _cli(face_hub.env, "--json", "dir3", "import", str(full))
    units = {
        u["code"]: u["active"] for u in _json_rows(_cli(face_hub.env, "--json", "dir3", "units", "--all"))
    }
    assert (units["ZOG1"], units["ZOC2"], units["ZUT2"]) == (False, False, False)
    assert all(units[code] for code in ("ZOC1", "ZOG2", "ZUT1", "ZOC3", "ZOG3", "ZUT3", "P00000010"))
    return face_hub


def _json_rows(text: str) -> list[dict[str, Any]]:
    rows = json.loads(text)
    assert isinstance(rows, list)
    return rows


def _centre(code: str, role: str) -> str:
    return f"<CentreCode>{code}</CentreCode>\n\t\t\t\t<RoleTypeCode>{role}</RoleTypeCode>"


def _invoice(face_hub: FaceHub, office: str, managing_body: str, processing_unit: str) -> bytes:
    xml, _ = invoice_variant(
        replace=(
            (_centre("P00000010", "01"), _centre(office, "01")),
            (_centre("P00000010", "02"), _centre(managing_body, "02")),
            (_centre("P00000010", "03"), _centre(processing_unit, "03")),
        )
    )
    return signed(xml, face_hub.supplier)


# (oc, og, ut) -> code, FACe's text, and what our message must say
CASES = [
    (("ZOC1", "X77777777", "ZUT1"), "409", "No existe o inactiva el Órgano Gestor", "X77777777 no existe"),
    (("ZOC1", "ZOG1", "ZUT1"), "409", "No existe o inactiva el Órgano Gestor", "ZOG1 existe pero está inactivo"),
    (("ZOC1", "ZOG2", "X66666666"), "410", "No existe o inactiva la Unidad Tramitadora", "X66666666 no existe"),
    (("ZOC1", "ZOG2", "ZUT2"), "410", "No existe o inactiva la Unidad Tramitadora", "ZUT2 existe pero está inactiva"),
    (("X55555555", "ZOG2", "ZUT1"), "411", "No existe o inactiva la Oficina Contable", "X55555555 no existe"),
    (("ZOC2", "ZOG2", "ZUT1"), "411", "No existe o inactiva la Oficina Contable", "ZOC2 existe pero está inactiva"),
    (("ZOC1", "ZOG3", "ZUT1"), "412", "no están relacionados", "ZOC1, el órgano gestor ZOG3 y la unidad tramitadora ZUT1"),
    (("ZOC3", "ZOG3", "ZUT3"), "413", "no tienen activa la relación", "OC ZOC3 / OG ZOG3 / UT ZUT3 no está activa"),
]  # fmt: skip


@pytest.mark.parametrize("profile", ["face", "efact"])
def test_unknown_and_inactive_centres_409_410_411_412_413(directory: FaceHub, profile: str) -> None:
    endpoint = directory.endpoint if profile == "face" else f"{directory.base_url}/efact/sspp"
    client = zeep_client(f"{endpoint}?wsdl", directory.supplier, directory.hub_cert_pem)
    for centres, code, face_text, ours in CASES:
        answer = send_invoice(client, _invoice(directory, *centres))
        description = answer.resultado.descripcion
        assert answer.resultado.codigo == code, (centres, description)
        assert face_text in description and ours in description, description
        assert answer.factura is None
    accepted = send_invoice(client, _invoice(directory, "ZOC1", "ZOG2", "ZUT1"))
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    assert (accepted.factura.oficinaContable, accepted.factura.organoGestor, accepted.factura.unidadTramitadora) == (
        "ZOC1", "ZOG2", "ZUT1"
    )  # fmt: skip


def test_a_unit_deactivated_by_a_later_import_refuses_invoices_it_accepted_before(
    directory: FaceHub, tmp_path: Path
) -> None:
    """The check is made against the directory of the moment: ZOC1 accepted above, then left out
    of a full import, refused (and reactivated by the next import that lists it)."""
    client = zeep_client(directory.wsdl_url, directory.supplier, directory.hub_cert_pem)
    without = tmp_path / "without-zoc1.csv"
    without.write_text(
        HEADER + SANDBOX_ROWS + "ZZ01,ZOC3,ZOG3,ZUT3,0\nZZ01,ZOC4,ZOG2,ZUT1,1\n", encoding="utf-8"
    )
    _cli(directory.env, "dir3", "import", str(without))
    try:
        refused = send_invoice(client, _invoice(directory, "ZOC1", "ZOG2", "ZUT1"))
        assert refused.resultado.codigo == "411" and "ZOC1" in refused.resultado.descripcion
    finally:
        restore = tmp_path / "restore.csv"
        restore.write_text(HEADER + SANDBOX_ROWS + KEPT, encoding="utf-8")
        _cli(directory.env, "dir3", "import", str(restore))
    again = send_invoice(client, _invoice(directory, "ZOC1", "ZOG2", "ZUT1"))
    assert again.resultado.codigo == "0", again.resultado.descripcion
