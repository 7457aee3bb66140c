from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from facturahub.errors import ConfigurationError, InvalidInput
from facturahub.facturae import FacturaeVersion, SchemaValidator, read_invoice

DFB = "fawno-unsigned-factura_dfb.xml"

ALL_SAMPLES = [
    ("aapp2face-sample-factura-firmada-32v1.xsig", FacturaeVersion.V3_2),  # signed
    ("factura-prueba-v1-2-0.xsig", FacturaeVersion.V3_2_1),  # signed
    ("fawno-unsigned-factura-prueba-v1-2-0.xml", FacturaeVersion.V3_2),
    ("fawno-unsigned-factura_consorciodeaguas.xml", FacturaeVersion.V3_2),
    ("fawno-unsigned-factura_dfb.xml", FacturaeVersion.V3_2),
    ("fawno-unsigned-factura_ejemplo.xml", FacturaeVersion.V3_2),
    ("gobl-invoice-face.xml", FacturaeVersion.V3_2_2),  # signed (signature invalid, schema valid)
    ("oca-facturae_01.xsig", FacturaeVersion.V3_2),  # signed
]


@pytest.mark.parametrize(("name", "version"), ALL_SAMPLES)
def test_every_sample_is_schema_valid_signed_ones_included(
    name: str, version: FacturaeVersion, schema_validator: SchemaValidator, load_sample: Callable[[str], Any]
) -> None:
    assert schema_validator.validate(load_sample(name)) is version


def _line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1
    return text[: text.index(needle)].count("\n") + 1


def test_schema_error_names_the_element_path_and_line(
    schema_validator: SchemaValidator,
    mutate: Callable[..., Any],
    sample_text: Callable[[str], str],
    rendered: Callable[..., Any],
) -> None:
    tree = mutate(DFB, ("<InvoiceClass>OO</InvoiceClass>", "<InvoiceClass>ZZ</InvoiceClass>"))
    with pytest.raises(InvalidInput) as caught:
        schema_validator.validate(tree)
    error = caught.value
    assert error.key == "facturae.schema_invalid"
    assert error.params["version"] == "3.2"
    assert error.params["path"].endswith("/Invoices/Invoice/InvoiceHeader/InvoiceClass")
    assert error.params["line"] == _line_of(sample_text(DFB), "<InvoiceClass>OO</InvoiceClass>")
    assert "ZZ" in error.params["detail"]
    assert error.params["count"] >= 1
    spanish, english = rendered(error)
    assert f"línea {error.params['line']}" in spanish
    assert "InvoiceClass" in english


def test_schema_error_reports_the_first_errors_and_their_count(
    schema_validator: SchemaValidator, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    tree = mutate(
        DFB,
        ("<InvoiceClass>OO</InvoiceClass>", "<InvoiceClass>ZZ</InvoiceClass>"),
        ("<InvoiceCurrencyCode>EUR</InvoiceCurrencyCode>\n\t\t\t\t<TaxCurrencyCode>", "<TaxCurrencyCode>"),
        ("<TotalGrossAmount>51.30</TotalGrossAmount>", "<TotalGrossAmount>51,30</TotalGrossAmount>"),
    )
    with pytest.raises(InvalidInput) as caught:
        schema_validator.validate(tree)
    assert caught.value.params["count"] >= 3
    assert "InvoiceClass" in caught.value.params["path"]
    others = caught.value.params["others"]
    assert re.search(r"; /[^;]*TotalGrossAmount:\d+: ", others), others  # path:line, in any language
    spanish, _english = rendered(caught.value)
    assert " line " not in spanish, spanish  # no English word in the Spanish text but libxml2's detail


def test_missing_mandatory_element_is_a_schema_error(
    schema_validator: SchemaValidator, mutate: Callable[..., Any]
) -> None:
    tree = mutate(DFB, ("<InvoiceNumber>256623570</InvoiceNumber>", ""))
    with pytest.raises(InvalidInput) as caught:
        schema_validator.validate(tree)
    assert caught.value.key == "facturae.schema_invalid"
    assert caught.value.params["path"].endswith("/InvoiceHeader/InvoiceSeriesCode")
    assert "InvoiceNumber" in caught.value.params["detail"]


def test_unknown_version_is_reported_before_validation(
    schema_validator: SchemaValidator, mutate: Callable[..., Any]
) -> None:
    tree = mutate(DFB, ("2009/v3.2/Facturae", "2007/v3.1/Facturae"))
    with pytest.raises(InvalidInput) as caught:
        schema_validator.validate(tree)
    assert caught.value.key == "facturae.version_unknown"


def test_a_comment_splitting_a_value_is_schema_valid_so_the_reader_must_catch_it(
    schema_validator: SchemaValidator, mutate: Callable[..., Any]
) -> None:
    tree = mutate(
        DFB,
        ("<InvoiceNumber>256623570</InvoiceNumber>", "<InvoiceNumber>2566<!-- x -->23570</InvoiceNumber>"),
    )
    schema_validator.validate(tree)
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.value_split"


def test_schemas_are_compiled_once_per_directory(xsd_dir: Path, schema_validator: SchemaValidator) -> None:
    again = SchemaValidator(str(xsd_dir))
    assert again._schemas is schema_validator._schemas


def test_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SchemaValidator(tmp_path / "nowhere")
    assert caught.value.key == "facturae.schema_dir"


def test_directory_without_the_schemas_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        SchemaValidator(tmp_path)
    assert "Facturaev3_2.xsd" in caught.value.params["detail"]


@pytest.fixture
def canary() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP listener recording every connection: proof that nothing was fetched."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(0.5)
                try:
                    hits.append(connection.recv(1024) or b"<connected>")
                except OSError:
                    hits.append(b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(timeout=2)
    server.close()


def _tiny_schema(import_location: str | None = None) -> str:
    imported = (
        f'<xs:import namespace="urn:elsewhere" schemaLocation="{import_location}"/>'
        if import_location
        else ""
    )
    return (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test">'
        f'{imported}<xs:element name="Facturae" type="xs:string"/></xs:schema>'
    )


def _schema_dir(directory: Path, first_import: str) -> Path:
    directory.mkdir()
    (directory / "Facturaev3_2.xsd").write_text(_tiny_schema(first_import))
    (directory / "Facturaev3_2_1.xsd").write_text(_tiny_schema())
    (directory / "Facturaev3_2_2.xsd").write_text(_tiny_schema())
    return directory


def test_a_remote_schema_import_is_refused_and_never_fetched(
    tmp_path: Path, canary: tuple[int, list[bytes]]
) -> None:
    port, hits = canary
    directory = _schema_dir(tmp_path / "xsd", f"http://127.0.0.1:{port}/remote.xsd")
    with pytest.raises(ConfigurationError) as caught:
        SchemaValidator(directory)
    assert f"http://127.0.0.1:{port}/remote.xsd" in caught.value.params["detail"]
    assert hits == []


def test_a_schema_import_outside_the_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:elsewhere"/>'
    )
    directory = _schema_dir(tmp_path / "xsd", "../outside.xsd")
    with pytest.raises(ConfigurationError) as caught:
        SchemaValidator(directory)
    assert "outside.xsd" in caught.value.params["detail"]


def test_a_local_import_inside_the_directory_is_allowed(tmp_path: Path) -> None:
    directory = _schema_dir(tmp_path / "xsd", "other.xsd")
    (directory / "other.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:elsewhere"/>'
    )
    assert SchemaValidator(directory).schema_dir == directory.resolve()
