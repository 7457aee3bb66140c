"""The documents of eFACT's status downloads (protocols.md §3), built from plain values: the
pending index (``DocumentList``) and one status document (``DeliveryFeedback``, valid against
eFACT's ``DeliveryFeedback.xsd``), each zipped as one XML file. No database here.

Choices, with the eFACT texts behind them (``ws-proveedores-SOAP.md`` §5 and the RCF REST guide's
"Estats de factura" table):

* Status names. The XSD's ``StatusCodeType`` documents 1200 = REGISTERED/DELIVERED, 1300 =
  ANNOTATED/RECEIVED/ACCEPTED, 2400 RECOGNISED, 2500 PAID, 2600 REJECTED, 3100 CANCELED. The RCF
  guide gives the technical code behind each name: REGISTERED 1200, DELIVERED 1250, ANNOTATED 1400
  ("verificada i registrada al registre comptable de factures"), RECEIVED 2100, ACCEPTED 2300. Our
  1300 ("Registrada en RCF") and 1400 are therefore ANNOTATED, 2100 RECEIVED, 2300 ACCEPTED, all
  with the public ``StatusCode`` 1300 (the only value the XSD allows for them). DELIVERED (eFACT's
  optional 1250) has no counterpart in our lifecycle and is never produced.
* The cancellation flow (4100-4400) has no ``StatusType`` name and no ``StatusCodeType`` value, and
  ``Status`` is mandatory. A cancellation-flow document therefore carries, in ``Status`` and
  ``StatusCode``, the invoice's processing status at that moment (the caller passes it), and the
  cancellation code in ``Reason/Code`` with the reason (or the state's description) in
  ``Reason/Description``; 4300 (cancellation accepted) carries CANCELED / 3100, its legal effect.
  ``Reason/Code`` is a free string: the RCF guide lets each platform code rejection reasons itself.
* A processing-flow document has a ``Reason`` only when the change had one; its ``Code`` is our
  status code and its ``Description`` the reason text.
* ``InvoiceId`` and the index's ``DocNumber`` are the Facturae ``InvoiceNumber`` without the series
  (both are "Número de la factura"; eFACT's ``enviarFactura`` answers ``numeroFactura`` and
  ``serieFactura`` apart). ``RegisterData/Number`` and ``HubFeedback/HubId`` carry the registry
  number, which identifies the invoice unambiguously (the RCF guide: HubId is "l'identificador de
  la factura al hub"), and ``RegisterData/Date`` the registration time, in every document.
* ``DeptCode`` (index) and ``Buyer/Dept`` (feedback) are the buyer's DIR3 *unidad tramitadora*
  (Facturae centre role 03), the department that processes the invoice. We do not keep the seller's
  centres, so the supplier's ``DeptCode`` is empty, as in eFACT's own example.
* Times are rendered in the administration's zone (``FACTURAHUB_TIME_ZONE``, Europe/Madrid by
  default) with their offset (``2021-03-08T12:22:00+01:00``, valid ``xs:dateTime``); dates
  (``DocProcessingDate``) are that zone's calendar date.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo

from lxml import etree

from facturahub.domain import lifecycle
from facturahub.domain.local_time import DEFAULT_ZONE

DOC_TYPE_STATUS = "003"

# Our processing codes → eFACT status name; the StatusCode is the public one
# (:func:`lifecycle.supplier_code`, the only values the XSD allows).
FEEDBACK_NAMES: dict[str, str] = {
    "1200": "REGISTERED",
    "1300": "ANNOTATED",
    "1400": "ANNOTATED",
    "2100": "RECEIVED",
    "2300": "ACCEPTED",
    "2400": "RECOGNISED",
    "2500": "PAID",
    "2600": "REJECTED",
    "3100": "CANCELED",
}


@dataclass(frozen=True)
class IndexEntry:
    """One ``Document`` of the pending index."""

    doc_id: int
    processing_date: datetime  # aware; when the status document was produced
    supplier_tax_id: str
    buyer_tax_id: str
    buyer_dept: str
    number: str
    issue_date: str  # ISO date as written in the invoice


@dataclass(frozen=True)
class StatusFeedback:
    """What one ``DeliveryFeedback`` says: the invoice, and one status change."""

    doc_id: int
    registry_number: str
    registered_at: datetime
    number: str
    supplier_tax_id: str
    buyer_tax_id: str
    buyer_dept: str
    issue_date: str
    flow: lifecycle.Flow
    code: str  # the event's code, either flow
    at: datetime
    reason: str | None
    processing_code: str  # the invoice's processing status when the event happened
    rcf_code: str | None = None


def feedback_status(flow: lifecycle.Flow, code: str, processing_code: str) -> tuple[str, str]:
    """The (``Status``, ``StatusCode``) pair of a status change; see the module docstring."""
    if flow is lifecycle.Flow.CANCELLATION:
        lifecycle.status(code)  # an unknown code is a bug upstream: fail loudly
        effective = lifecycle.CANCELLED if code == lifecycle.CANCELLATION_ACCEPTED else processing_code
    else:
        effective = code
    name = FEEDBACK_NAMES.get(effective)
    if name is None:
        raise ValueError(f"no DeliveryFeedback status for processing code {effective!r}")
    return name, lifecycle.supplier_code(effective)


def feedback_reason(feedback: StatusFeedback) -> tuple[str, str] | None:
    """The (``Code``, ``Description``) of the change's ``Reason``, or None when it has none."""
    text = (feedback.reason or "").strip()
    if feedback.flow is lifecycle.Flow.CANCELLATION:
        return feedback.code, text or lifecycle.status(feedback.code).description
    return (feedback.code, text) if text else None


def xml_datetime(moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def xml_date(moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> str:
    return moment.astimezone(zone).date().isoformat()


def index_file_name(issuer_tax_id: str) -> str:
    return f"DocumentList-{issuer_tax_id}.xml"


def feedback_file_name(doc_id: int) -> str:
    return f"{doc_id}.xml"


def build_index_zip(
    issuer_tax_id: str, entries: Iterable[IndexEntry], moment: datetime, zone: tzinfo = DEFAULT_ZONE
) -> bytes:
    """The zipped ``DocumentList``, written as the entries come (thousands stay cheap)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = _zip_info(index_file_name(issuer_tax_id), moment, zone)
        with archive.open(info, "w") as stream, etree.xmlfile(stream, encoding="UTF-8") as xml:
            xml.write_declaration()
            with xml.element("DocumentList"):
                for entry in entries:
                    xml.write(_document(entry, zone))
    return buffer.getvalue()


def build_feedback_xml(feedback: StatusFeedback, zone: tzinfo = DEFAULT_ZONE) -> bytes:
    status_name, status_code = feedback_status(feedback.flow, feedback.code, feedback.processing_code)
    root = etree.Element("DeliveryFeedback")
    status_feedback = _sub(root, "StatusFeedback")
    hub = _sub(status_feedback, "HubFeedback")
    _sub(hub, "HubId", feedback.registry_number)
    invoice = _sub(status_feedback, "InvoiceFeedback")
    _sub(invoice, "InvoiceId", feedback.number)
    supplier = _sub(invoice, "Supplier")
    _sub(supplier, "Cif", feedback.supplier_tax_id)
    buyer = _sub(invoice, "Buyer")
    _sub(buyer, "Cif", feedback.buyer_tax_id)
    if feedback.buyer_dept:
        _sub(buyer, "Dept", feedback.buyer_dept)
    _sub(invoice, "InvoiceDate", feedback.issue_date)
    change = _sub(invoice, "Feedback")
    _sub(change, "Status", status_name)
    _sub(change, "StatusCode", status_code)
    _sub(change, "StatusDate", xml_datetime(feedback.at, zone))
    reason = feedback_reason(feedback)
    if reason is not None:
        element = _sub(change, "Reason")
        _sub(element, "Code", reason[0])
        _sub(element, "Description", reason[1])
    register = _sub(change, "RegisterData")
    _sub(register, "Number", feedback.registry_number)
    _sub(register, "Date", xml_datetime(feedback.registered_at, zone))
    if feedback.rcf_code and status_code != "1200":
        _sub(change, "RcfRegNumber", feedback.rcf_code)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def build_feedback_zip(feedback: StatusFeedback, moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            _zip_info(feedback_file_name(feedback.doc_id), moment, zone), build_feedback_xml(feedback, zone)
        )
    return buffer.getvalue()


def read_single_zip_entry(data: bytes, max_bytes: int) -> tuple[str, bytes]:
    """Open a one-file ZIP as produced here, refusing more than ``max_bytes`` uncompressed (for
    tests and tools; never trusts the sizes the archive declares)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) != 1:
            raise ValueError(f"expected one file in the ZIP, found {len(infos)}")
        with archive.open(infos[0]) as stream:
            content = stream.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise ValueError(f"ZIP entry larger than {max_bytes} bytes")
        return infos[0].filename, content


def _document(entry: IndexEntry, zone: tzinfo) -> etree._Element:
    document = etree.Element("Document")
    _sub(document, "DocId", str(entry.doc_id))
    _sub(document, "DocType", DOC_TYPE_STATUS)
    _sub(document, "DocProcessingDate", xml_date(entry.processing_date, zone))
    supplier = _sub(document, "Supplier")
    _sub(supplier, "TaxNumber", entry.supplier_tax_id)
    _sub(supplier, "DeptCode", "")
    buyer = _sub(document, "Buyer")
    _sub(buyer, "TaxNumber", entry.buyer_tax_id)
    _sub(buyer, "DeptCode", entry.buyer_dept)
    _sub(document, "DocNumber", entry.number)
    _sub(document, "DocDate", entry.issue_date)
    return document


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _zip_info(name: str, moment: datetime, zone: tzinfo) -> zipfile.ZipInfo:
    local = moment.astimezone(zone)
    info = zipfile.ZipInfo(name, date_time=(max(local.year, 1980), *local.timetuple()[1:6]))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def peek(items: Iterable[IndexEntry]) -> Iterator[IndexEntry] | None:
    """None when ``items`` is empty, else an iterator over all of them (the first one included)."""
    iterator = iter(items)
    first = next(iterator, None)
    return None if first is None else itertools.chain((first,), iterator)
