"""The status-download documents on their own: every status of both flows becomes a DeliveryFeedback
that eFACT's XSD accepts, with the status name the XSD documents for its code; the index has
eFACT's shape; the ZIPs are deterministic and hold one file."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.errors import InvalidInput
from facturahub.services.status_documents import (
    IndexEntry,
    StatusFeedback,
    build_feedback_xml,
    build_feedback_zip,
    build_index_zip,
    feedback_status,
    peek,
    read_single_zip_entry,
)

AT = datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture(scope="module")
def schema(shared_data: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_data / "efact" / "DeliveryFeedback.xsd")))


def _xsd_code_names(shared_data: Path) -> dict[str, str]:
    """The XSD's own StatusCodeType annotations: code → the text naming its statuses."""
    tree = etree.parse(str(shared_data / "efact" / "DeliveryFeedback.xsd"))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    return {
        e.get("value"): e.findtext("xs:annotation/xs:documentation", namespaces=ns) or ""
        for e in tree.iterfind(".//xs:simpleType[@name='StatusCodeType']//xs:enumeration", ns)
    }


def _feedback(flow: Flow, code: str, processing: str = "1200", **changes: object) -> StatusFeedback:
    values: dict[str, object] = {
        "doc_id": 7,
        "registry_number": "202600000001",
        "registered_at": datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
        "number": "F-1",
        "supplier_tax_id": "G48200422",
        "buyer_tax_id": "P4800000D",
        "buyer_dept": "0201",
        "issue_date": "2026-01-01",
        "flow": flow,
        "code": code,
        "at": AT,
        "reason": None,
        "processing_code": processing,
        "rcf_code": "RCF-9",
    }
    values.update(changes)
    return StatusFeedback(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "status", [s for s in lifecycle.STATUSES.values() if s.flow is Flow.PROCESSING], ids=lambda s: s.code
)
def test_every_processing_status_is_a_valid_feedback_named_as_the_xsd_says(
    schema: etree.XMLSchema, shared_data: Path, status: lifecycle.Status
) -> None:
    root = etree.fromstring(build_feedback_xml(_feedback(Flow.PROCESSING, status.code, reason="motivo")))
    schema.assertValid(root)
    name = root.findtext(".//Feedback/Status") or ""
    code = root.findtext(".//Feedback/StatusCode") or ""
    assert name in _xsd_code_names(shared_data)[code]  # e.g. "Corresponde al estado RECOGNISED"
    assert (root.findtext(".//Reason/Code"), root.findtext(".//Reason/Description")) == (
        status.code,
        "motivo",
    )
    assert root.findtext(".//Feedback/StatusDate") == "2026-02-01T00:59:59+01:00"
    assert (root.findtext(".//RcfRegNumber") is None) == (status.code == "1200")


@pytest.mark.parametrize(
    ("code", "processing", "expected"),
    [
        ("1200", "1200", ("REGISTERED", "1200")),
        ("1300", "1300", ("ANNOTATED", "1300")),
        ("1400", "1400", ("ANNOTATED", "1300")),
        ("2100", "2100", ("RECEIVED", "1300")),
        ("2300", "2300", ("ACCEPTED", "1300")),
        ("2400", "2400", ("RECOGNISED", "2400")),
        ("2500", "2500", ("PAID", "2500")),
        ("2600", "2600", ("REJECTED", "2600")),
        ("3100", "3100", ("CANCELED", "3100")),
    ],
)
def test_processing_mapping(code: str, processing: str, expected: tuple[str, str]) -> None:
    assert feedback_status(Flow.PROCESSING, code, processing) == expected


@pytest.mark.parametrize(
    ("code", "processing", "expected"),
    [
        ("4100", "1200", ("REGISTERED", "1200")),
        ("4200", "1200", ("REGISTERED", "1200")),
        ("4200", "1400", ("ANNOTATED", "1300")),
        ("4300", "1300", ("CANCELED", "3100")),  # accepting the cancellation cancels the invoice
        ("4400", "2300", ("ACCEPTED", "1300")),
    ],
)
def test_cancellation_flow_carries_the_processing_status_and_its_code_as_reason(
    schema: etree.XMLSchema, code: str, processing: str, expected: tuple[str, str]
) -> None:
    assert feedback_status(Flow.CANCELLATION, code, processing) == expected
    root = etree.fromstring(build_feedback_xml(_feedback(Flow.CANCELLATION, code, processing)))
    schema.assertValid(root)
    description = lifecycle.STATUSES[code].description
    assert (root.findtext(".//Reason/Code"), root.findtext(".//Reason/Description")) == (code, description)


def test_unknown_codes_fail_loudly() -> None:
    with pytest.raises(ValueError):
        feedback_status(Flow.PROCESSING, "9999", "1200")
    with pytest.raises(InvalidInput):
        feedback_status(Flow.CANCELLATION, "4900", "1200")


def test_index_has_efacts_shape_and_zips_deterministically() -> None:
    entry = IndexEntry(11294, AT, "G48200422", "P4800000D", "0201", "1", "2021-03-08")
    data = build_index_zip("G48200422", [entry], AT)
    assert data == build_index_zip("G48200422", [entry], AT)
    name, content = read_single_zip_entry(data, 10_000)
    assert name == "DocumentList-G48200422.xml"
    assert content == (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b"<DocumentList><Document><DocId>11294</DocId><DocType>003</DocType>"
        b"<DocProcessingDate>2026-02-01</DocProcessingDate>"
        b"<Supplier><TaxNumber>G48200422</TaxNumber><DeptCode></DeptCode></Supplier>"
        b"<Buyer><TaxNumber>P4800000D</TaxNumber><DeptCode>0201</DeptCode></Buyer>"
        b"<DocNumber>1</DocNumber><DocDate>2021-03-08</DocDate></Document></DocumentList>"
    )


def test_feedback_zip_holds_one_file_named_by_doc_id() -> None:
    data = build_feedback_zip(_feedback(Flow.PROCESSING, "2600", reason="No se encuentra el pedido"), AT)
    assert data == build_feedback_zip(
        _feedback(Flow.PROCESSING, "2600", reason="No se encuentra el pedido"), AT
    )
    name, content = read_single_zip_entry(data, 10_000)
    assert name == "7.xml" and b"<Description>No se encuentra el pedido</Description>" in content


def test_a_large_index_streams_quickly() -> None:
    entries = (
        IndexEntry(i, AT, "G48200422", "P4800000D", "0201", f"N{i}", "2026-01-01") for i in range(1, 20_001)
    )
    started = time.perf_counter()
    data = build_index_zip("G48200422", entries, AT)
    assert time.perf_counter() - started < 10  # generous: guards against quadratic behaviour only
    _name, content = read_single_zip_entry(data, 20 * 1024 * 1024)
    assert etree.fromstring(content).xpath("count(/DocumentList/Document)") == 20_000


def test_zip_reader_refuses_bombs_and_archives_of_several_files() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"\0" * 1_000_000)
    with pytest.raises(ValueError, match="larger than"):
        read_single_zip_entry(buffer.getvalue(), 1000)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("b.xml", b"x")
    with pytest.raises(ValueError, match="expected one file"):
        read_single_zip_entry(buffer.getvalue(), 10_000_000)


def test_peek() -> None:
    assert peek([]) is None
    rest = peek(iter([IndexEntry(1, AT, "a", "b", "c", "d", "e")]))
    assert rest is not None and [e.doc_id for e in rest] == [1]
