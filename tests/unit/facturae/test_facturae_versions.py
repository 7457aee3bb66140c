from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from facturahub.errors import InvalidInput
from facturahub.facturae import FacturaeVersion, detect_version, read_invoice
from facturahub.signatures.xml import parse_xml

DFB = "fawno-unsigned-factura_dfb.xml"
NS_3_2 = "http://www.facturae.es/Facturae/2009/v3.2/Facturae"

SAMPLE_VERSIONS = {
    "aapp2face-sample-factura-firmada-32v1.xsig": FacturaeVersion.V3_2,
    "factura-prueba-v1-2-0.xsig": FacturaeVersion.V3_2_1,
    "fawno-unsigned-factura-prueba-v1-2-0.xml": FacturaeVersion.V3_2,
    "fawno-unsigned-factura_consorciodeaguas.xml": FacturaeVersion.V3_2,
    "fawno-unsigned-factura_dfb.xml": FacturaeVersion.V3_2,
    "fawno-unsigned-factura_ejemplo.xml": FacturaeVersion.V3_2,
    "gobl-invoice-face.xml": FacturaeVersion.V3_2_2,
    "oca-facturae_01.xsig": FacturaeVersion.V3_2,
}


def test_the_table_covers_every_shared_sample(samples_dir: Any) -> None:
    assert {path.name for path in samples_dir.iterdir()} == set(SAMPLE_VERSIONS)


@pytest.mark.parametrize(("name", "version"), sorted(SAMPLE_VERSIONS.items()))
def test_detects_the_version_of_each_sample(
    name: str, version: FacturaeVersion, load_sample: Callable[[str], Any]
) -> None:
    tree = load_sample(name)
    assert detect_version(tree) is version
    assert detect_version(tree.getroot()) is version


def test_version_namespaces_and_schema_files() -> None:
    assert FacturaeVersion.V3_2.namespace == NS_3_2
    assert FacturaeVersion.V3_2_1.namespace == "http://www.facturae.es/Facturae/2014/v3.2.1/Facturae"
    assert (
        FacturaeVersion.V3_2_2.namespace == "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"
    )
    assert [version.schema_file for version in FacturaeVersion] == [
        "Facturaev3_2.xsd",
        "Facturaev3_2_1.xsd",
        "Facturaev3_2_2.xsd",
    ]


def test_unknown_namespace_is_rejected(mutate: Callable[..., Any], rendered: Callable[..., Any]) -> None:
    old_ns = "http://www.facturae.es/Facturae/2007/v3.1/Facturae"
    tree = mutate(DFB, (f'xmlns:ns3="{NS_3_2}"', f'xmlns:ns3="{old_ns}"'))
    with pytest.raises(InvalidInput) as caught:
        detect_version(tree)
    assert caught.value.key == "facturae.version_unknown"
    assert caught.value.params["namespace"] == old_ns
    spanish, _ = rendered(caught.value)
    assert old_ns in spanish


def test_root_without_namespace_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        detect_version(parse_xml(b"<Facturae><FileHeader/></Facturae>"))
    assert caught.value.key == "facturae.version_unknown"
    assert caught.value.params["namespace"] == ""


def test_other_root_element_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        detect_version(parse_xml(f'<Invoice xmlns="{NS_3_2}"/>'.encode()))
    assert caught.value.key == "facturae.not_facturae"
    assert caught.value.params["root"] == "Invoice"


def test_schema_version_contradicting_the_namespace_is_rejected(mutate: Callable[..., Any]) -> None:
    tree = mutate(DFB, ("<SchemaVersion>3.2</SchemaVersion>", "<SchemaVersion>3.2.1</SchemaVersion>"))
    assert detect_version(tree) is FacturaeVersion.V3_2
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.version_mismatch"
    assert caught.value.params == {"namespace_version": "3.2", "schema_version": "3.2.1", "line": 4}
