"""eFACT status downloads (protocols.md §3) on both databases, through the use cases the SOAP
operations call: real invoices registered by ``submit_invoice``, a real cancellation request, the
pending index, the DeliveryFeedback documents (validated against eFACT's own XSD), marking, and
who may see what."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from sqlalchemy import select

from facturahub.errors import Conflict, FacturahubError, InvalidInput, NotFound
from facturahub.services import lookup
from facturahub.services.intake import IntakePolicy, RegisteredInvoice, Submission, submit_invoice
from facturahub.services.invoices import request_cancellation
from facturahub.services.sandbox import init_sandbox
from facturahub.services.status_downloads import (
    _pending_statement,
    confirm,
    download,
    parse_mark_option,
    pending_index,
)
from facturahub.signatures.certgen import issue
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.store.blobs import LocalBlobStore
from facturahub.store.database import Database
from facturahub.store.models import InvoiceEvent, StatusDocument

DFB_ISSUER = "G48200422"
FACE_ISSUER = "12345678Z"
REGISTERED_AT = datetime(2026, 3, 8, 23, 30, 15, tzinfo=UTC)  # Madrid: 2026-03-09 00:30:15+01:00
CANCELLED_AT = datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC)  # Madrid: 2026-07-01 12:00:05+02:00
DOWNLOADED_AT = datetime(2026, 7, 2, 8, 0, tzinfo=UTC)
REASON = "Factura emitida por error (importe duplicado)"
MAX_UNZIPPED = 5 * 1024 * 1024


@pytest.fixture
def sandbox(database: Database, tmp_path: Path) -> dict[str, Any]:
    with database.unit_of_work() as session:
        summary = init_sandbox(session, tmp_path / "sandbox", issue("hub"), "http://127.0.0.1:1")
    with database.unit_of_work() as session:
        supplier = lookup.identify_caller(session, thumbprint=summary["supplier"]["certificate_sha256"])
        registry = lookup.identify_caller(session, thumbprint=summary["registry"]["certificate_sha256"])
    return {"supplier": supplier, "registry": registry, "blobs": LocalBlobStore(tmp_path / "blobs")}


@pytest.fixture(scope="module")
def signer(shared_data: Path):  # type: ignore[no-untyped-def]
    p12 = (shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12").read_bytes()
    key, certificate, _chain = pkcs12.load_key_and_certificates(p12, b"1234")
    return certificate, key


@pytest.fixture(scope="module")
def feedback_schema(shared_data: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_data / "efact" / "DeliveryFeedback.xsd")))


def _register(
    database: Database, sandbox: dict[str, Any], shared_data: Path, signer: Any, sample: str
) -> RegisteredInvoice:
    data = (shared_data / "facturae" / "samples" / sample).read_bytes()
    schema = shared_data / "facturae" / "xsd"
    with database.unit_of_work() as session:
        invoice = submit_invoice(
            session,
            sandbox["blobs"],
            sandbox["supplier"],
            Submission(sign_invoice(data, *signer), "f.xsig", "application/xml", "a@b.es"),
            IntakePolicy(schema_dir=schema, profile="efact", sanitise_attachment_names=True),
            now=REGISTERED_AT,
        )
        return invoice


@pytest.fixture
def dfb(database: Database, sandbox: dict[str, Any], shared_data: Path, signer: Any) -> RegisteredInvoice:
    """The Bizkaia sample registered (1200) and then asked to be cancelled (4200)."""
    invoice = _register(database, sandbox, shared_data, signer, "fawno-unsigned-factura_dfb.xml")
    with database.unit_of_work() as session:
        request_cancellation(session, sandbox["supplier"], invoice.registry_number, REASON, now=CANCELLED_AT)
    return invoice


def _doc_ids(database: Database, invoice: RegisteredInvoice) -> dict[str, int]:
    """Status document id by the code of the event it points at."""
    with database.unit_of_work() as session:
        rows = session.execute(
            select(InvoiceEvent.code, StatusDocument.id)
            .join(InvoiceEvent, InvoiceEvent.id == StatusDocument.event_id)
            .where(StatusDocument.invoice_id == invoice.id)
        )
        return {code: doc_id for code, doc_id in rows}


def _unzip(data: bytes) -> tuple[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert len(infos) == 1, [i.filename for i in infos]
        assert archive.testzip() is None
        with archive.open(infos[0]) as stream:
            content = stream.read(MAX_UNZIPPED + 1)
    assert len(content) <= MAX_UNZIPPED
    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") or content.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>'
    )
    return infos[0].filename, etree.fromstring(content)


def _index(
    database: Database, caller: lookup.CallerIdentity, issuer: str, canonical: str | None = None
) -> list[dict[str, Any]]:
    with database.unit_of_work() as session:
        name, root = _unzip(pending_index(session, caller, issuer, now=DOWNLOADED_AT))
    assert name == f"DocumentList-{canonical or issuer}.xml"
    assert root.tag == "DocumentList"
    documents = []
    for document in root:
        assert [child.tag for child in document] == [
            "DocId",
            "DocType",
            "DocProcessingDate",
            "Supplier",
            "Buyer",
            "DocNumber",
            "DocDate",
        ]
        documents.append(
            {
                "DocId": int(document.findtext("DocId") or ""),
                "DocType": document.findtext("DocType"),
                "DocProcessingDate": document.findtext("DocProcessingDate"),
                "Supplier": (document.findtext("Supplier/TaxNumber"), document.findtext("Supplier/DeptCode")),
                "Buyer": (document.findtext("Buyer/TaxNumber"), document.findtext("Buyer/DeptCode")),
                "DocNumber": document.findtext("DocNumber"),
                "DocDate": document.findtext("DocDate"),
            }
        )
    return documents


def _download(
    database: Database,
    caller: lookup.CallerIdentity,
    issuer: str,
    doc_id: str | int,
    mark: bool,
    schema: etree.XMLSchema,
) -> etree._Element:
    with database.unit_of_work() as session:
        name, root = _unzip(download(session, caller, issuer, str(doc_id), mark, now=DOWNLOADED_AT))
    assert name == f"{doc_id}.xml"
    schema.assertValid(root)
    return root


def _error(database: Database, call: Any) -> FacturahubError:
    with pytest.raises(FacturahubError) as caught, database.unit_of_work() as session:
        call(session)
    return caught.value


def _feedback(root: etree._Element) -> dict[str, Any]:
    invoice = root.find("StatusFeedback/InvoiceFeedback")
    assert invoice is not None
    feedbacks = invoice.findall("Feedback")
    assert len(feedbacks) == 1
    change = feedbacks[0]
    return {
        "HubId": root.findtext("StatusFeedback/HubFeedback/HubId"),
        "InvoiceId": invoice.findtext("InvoiceId"),
        "Supplier": invoice.findtext("Supplier/Cif"),
        "Buyer": (invoice.findtext("Buyer/Cif"), invoice.findtext("Buyer/Dept")),
        "InvoiceDate": invoice.findtext("InvoiceDate"),
        "Status": change.findtext("Status"),
        "StatusCode": change.findtext("StatusCode"),
        "StatusDate": change.findtext("StatusDate"),
        "Reason": (change.findtext("Reason/Code"), change.findtext("Reason/Description"))
        if change.find("Reason") is not None
        else None,
        "RegisterData": (change.findtext("RegisterData/Number"), change.findtext("RegisterData/Date")),
    }


def test_index_lists_the_registration_and_the_cancellation_request(
    database: Database, sandbox: dict[str, Any], dfb: RegisteredInvoice
) -> None:
    ids = _doc_ids(database, dfb)
    assert set(ids) == {"1200", "4200"}  # 4100 (not requested) is never queued
    common = {
        "DocType": "003",
        "Supplier": (DFB_ISSUER, ""),
        "Buyer": ("P4800000D", "0201"),  # DIR3 unidad tramitadora (role 03)
        "DocNumber": "256623570",
        "DocDate": "2022-05-11",
    }
    assert _index(database, sandbox["supplier"], DFB_ISSUER) == [
        {"DocId": ids["1200"], "DocProcessingDate": "2026-03-09", **common},  # Madrid date
        {"DocId": ids["4200"], "DocProcessingDate": "2026-07-01", **common},
    ]
    # The issuer tax id is accepted as people type it.
    assert [d["DocId"] for d in _index(database, sandbox["supplier"], " es-g48200422 ", DFB_ISSUER)] == [
        ids["1200"],
        ids["4200"],
    ]


def test_each_document_downloads_as_a_valid_delivery_feedback(
    database: Database, sandbox: dict[str, Any], dfb: RegisteredInvoice, feedback_schema: etree.XMLSchema
) -> None:
    ids = _doc_ids(database, dfb)
    invoice_part = {
        "HubId": dfb.registry_number,
        "InvoiceId": "256623570",
        "Supplier": DFB_ISSUER,
        "Buyer": ("P4800000D", "0201"),
        "InvoiceDate": "2022-05-11",
        "RegisterData": (dfb.registry_number, "2026-03-09T00:30:15+01:00"),
    }
    registered = _download(database, sandbox["supplier"], DFB_ISSUER, ids["1200"], False, feedback_schema)
    assert _feedback(registered) == {
        **invoice_part,
        "Status": "REGISTERED",
        "StatusCode": "1200",
        "StatusDate": "2026-03-09T00:30:15+01:00",
        "Reason": None,
    }
    requested = _download(database, sandbox["supplier"], DFB_ISSUER, ids["4200"], False, feedback_schema)
    assert _feedback(requested) == {
        **invoice_part,
        "Status": "REGISTERED",  # the processing status at that moment; the request is the Reason
        "StatusCode": "1200",
        "StatusDate": "2026-07-01T12:00:05+02:00",
        "Reason": ("4200", REASON),
    }
    # N leaves both pending: downloading again gives the same document.
    again = _download(database, sandbox["supplier"], DFB_ISSUER, ids["4200"], False, feedback_schema)
    assert etree.tostring(again) == etree.tostring(requested)


def test_mark_option_s_removes_the_document_and_n_keeps_it_until_confirmed(
    database: Database, sandbox: dict[str, Any], dfb: RegisteredInvoice, feedback_schema: etree.XMLSchema
) -> None:
    supplier = sandbox["supplier"]
    ids = _doc_ids(database, dfb)
    _download(database, supplier, DFB_ISSUER, ids["1200"], parse_mark_option(" s "), feedback_schema)
    assert [d["DocId"] for d in _index(database, supplier, DFB_ISSUER)] == [ids["4200"]]
    refused = _error(database, lambda s: download(s, supplier, DFB_ISSUER, str(ids["1200"]), False))
    assert isinstance(refused, Conflict) and refused.key == "status_download.already_downloaded"
    assert "2026-07-02 10:00:00" in refused.message("es")  # when, in Madrid time

    _download(database, supplier, DFB_ISSUER, ids["4200"], parse_mark_option("N"), feedback_schema)
    assert [d["DocId"] for d in _index(database, supplier, DFB_ISSUER)] == [ids["4200"]]
    with database.unit_of_work() as session:
        confirm(session, supplier, DFB_ISSUER, str(ids["4200"]), now=DOWNLOADED_AT)
    empty = _error(database, lambda s: pending_index(s, supplier, DFB_ISSUER))
    assert isinstance(empty, NotFound) and empty.key == "status_download.none_pending"

    # Confirming again (eFACT: method 3 is optional after S) succeeds and keeps the first time.
    with database.unit_of_work() as session:
        confirm(session, supplier, DFB_ISSUER, str(ids["1200"]), now=datetime(2027, 1, 1, tzinfo=UTC))
        confirm(session, supplier, DFB_ISSUER, ids["4200"])
    with database.unit_of_work() as session:
        marks = set(session.scalars(select(StatusDocument.downloaded_at)))
    assert marks == {DOWNLOADED_AT}


def test_another_platform_or_issuer_sees_nothing_and_learns_nothing(
    database: Database,
    sandbox: dict[str, Any],
    dfb: RegisteredInvoice,
    shared_data: Path,
    signer: Any,
    feedback_schema: etree.XMLSchema,
) -> None:
    supplier, other_platform = sandbox["supplier"], sandbox["registry"]
    assert other_platform.platform_id != supplier.platform_id
    face = _register(database, sandbox, shared_data, signer, "fawno-unsigned-factura-prueba-v1-2-0.xml")
    assert face.issuer_tax_id == FACE_ISSUER
    dfb_ids, face_ids = _doc_ids(database, dfb), _doc_ids(database, face)

    # Each issuer's index holds only its own documents.
    assert [d["DocId"] for d in _index(database, supplier, FACE_ISSUER)] == [face_ids["1200"]]
    assert [d["DocId"] for d in _index(database, supplier, DFB_ISSUER)] == [
        dfb_ids["1200"],
        dfb_ids["4200"],
    ]
    # Another platform: nothing pending, and the documents do not exist for it.
    empty = _error(database, lambda s: pending_index(s, other_platform, DFB_ISSUER))
    assert empty.key == "status_download.none_pending"
    unknown = _error(database, lambda s: download(s, supplier, DFB_ISSUER, "999999", False))
    assert isinstance(unknown, NotFound) and unknown.key == "status_download.not_found"
    for doc_id in dfb_ids.values():
        for call in (
            lambda s, d=doc_id: download(s, other_platform, DFB_ISSUER, str(d), True),
            lambda s, d=doc_id: download(s, other_platform, DFB_ISSUER, str(d), False),
            lambda s, d=doc_id: confirm(s, other_platform, DFB_ISSUER, str(d)),
            # another issuer's id, with the right platform
            lambda s, d=doc_id: download(s, supplier, FACE_ISSUER, str(d), True),
            lambda s, d=doc_id: confirm(s, supplier, FACE_ISSUER, str(d)),
        ):
            hidden = _error(database, call)
            assert isinstance(hidden, NotFound) and hidden.key == "status_download.not_found"
            # the same words as for a document that does not exist at all
            assert type(hidden) is type(unknown) and hidden.params["doc_id"] == doc_id
            assert set(hidden.params) == set(unknown.params) == {"doc_id", "issuer"}
    # None of that marked anything.
    assert [d["DocId"] for d in _index(database, supplier, DFB_ISSUER)] == [
        dfb_ids["1200"],
        dfb_ids["4200"],
    ]
    root = _download(database, supplier, FACE_ISSUER, face_ids["1200"], True, feedback_schema)
    assert _feedback(root)["Buyer"] == ("B12345674", "P00000010")


def test_empty_queue_answers_efacts_own_message(database: Database, sandbox: dict[str, Any]) -> None:
    empty = _error(database, lambda s: pending_index(s, sandbox["supplier"], DFB_ISSUER))
    assert isinstance(empty, NotFound) and empty.key == "status_download.none_pending"
    assert empty.message("es") == "No se pudieron obtener los documentos pendientes"
    assert DFB_ISSUER in empty.message("en")


@pytest.mark.parametrize(
    ("doc_id", "key"),
    [
        ("", "status_download.doc_id_required"),
        ("   ", "status_download.doc_id_required"),
        ("12a", "status_download.doc_id_invalid"),
        ("-1", "status_download.doc_id_invalid"),
        ("1" * 5000, "status_download.doc_id_invalid"),
        ("0", "status_download.not_found"),
        ("99999999999999999", "status_download.not_found"),  # beyond any id: never reaches the DB
    ],
)
def test_bad_doc_ids_are_refused_precisely(
    database: Database, sandbox: dict[str, Any], dfb: RegisteredInvoice, doc_id: str, key: str
) -> None:
    for call in (
        lambda s: download(s, sandbox["supplier"], DFB_ISSUER, doc_id, False),
        lambda s: confirm(s, sandbox["supplier"], DFB_ISSUER, doc_id),
    ):
        error = _error(database, call)
        assert error.key == key
        assert len(error.message("es")) < 300  # untrusted input is never echoed whole


@pytest.mark.parametrize(
    ("issuer", "key"),
    [
        ("", "status_download.issuer_required"),
        (" - ", "status_download.issuer_required"),
        ("G48200421", "status_download.issuer_check"),
        ("12345678A", "status_download.issuer_check"),
        ("G48200422'; --", "status_download.issuer_invalid"),
        ("G" * 33, "status_download.issuer_invalid"),
        ("G" * 5000, "status_download.issuer_invalid"),
    ],
)
def test_malformed_issuer_tax_ids_are_refused_precisely(
    database: Database, sandbox: dict[str, Any], issuer: str, key: str
) -> None:
    supplier = sandbox["supplier"]
    for call in (
        lambda s: pending_index(s, supplier, issuer),
        lambda s: download(s, supplier, issuer, "1", False),
        lambda s: confirm(s, supplier, issuer, "1"),
    ):
        error = _error(database, call)
        assert isinstance(error, InvalidInput) and error.key == key, (issuer, error)
        assert len(error.message("es")) < 300


def test_mark_option_takes_only_s_or_n() -> None:
    assert parse_mark_option("S") is True and parse_mark_option("n") is False
    for value in ("", None, "Y", "SI", "1"):
        with pytest.raises(InvalidInput) as caught:
            parse_mark_option(value)
        assert caught.value.key == "status_download.mark_option_invalid"


def test_the_pending_index_is_one_query_on_the_issuer_index(database: Database) -> None:
    statement = _pending_statement(DFB_ISSUER, 1)
    with database.unit_of_work() as session:
        dialect = session.get_bind().dialect
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
        else:
            session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(row[0]) for row in session.connection().exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_status_documents_issuer_pending" in plan, plan
