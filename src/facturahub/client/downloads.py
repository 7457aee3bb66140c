"""eFACT's status downloads for an issuer, from the supplier's side (protocols.md §3;
``ws-proveedores-SOAP.md`` §5), in three steps:

1. ``solicitudDescargasEstados(identificadorEmisor)`` — the index of pending status documents (a
   base64 ZIP holding one ``DocumentList`` XML);
2. ``peticionDescargasEstados(peticionDescargas{identificadorEmisor, indiceDescarga,
   opcionMarcado})`` — one document (a base64 ZIP holding one ``DeliveryFeedback`` XML);
3. ``confirmacionDescargasEstados(confirmacionDescargas{identificadorEmisor, indiceDescarga})`` —
   mark it downloaded.

The command always asks with ``opcionMarcado=N`` and confirms (step 3) only once the document is
safely on disk, so a crash between download and write never loses a status change.

Here ``resultado`` is a bare ``0`` (OK) or ``1`` (error, explained in ``observaciones``); step 1
answers 1 with "No se pudieron obtener los documentos pendientes" when nothing is pending, which
is an empty index here, not an error.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from facturahub.client.calls import Connection, is_ok
from facturahub.client.errors import BusinessError, TransportFailure
from facturahub.errors import FacturahubError
from facturahub.signatures.xml import parse_xml
from facturahub.store.files import write_durably

MAX_UNZIPPED = 64 * 1024 * 1024
# Step 1 answers ``resultado`` 1 with this text when nothing is pending (eFACT and facturahub alike);
# its other refusals begin "Los datos enviados en el campo …" (a wrong identificadorEmisor).
NONE_PENDING = "No se pudieron obtener los documentos pendientes"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class PendingDocument:
    """One ``Document`` of the index."""

    doc_id: str
    doc_type: str
    processing_date: str
    supplier: str
    buyer: str
    buyer_dept: str
    number: str
    date: str

    def as_dict(self) -> dict[str, str]:
        return {
            "DocId": self.doc_id,
            "DocType": self.doc_type,
            "DocProcessingDate": self.processing_date,
            "Supplier": self.supplier,
            "Buyer": self.buyer,
            "BuyerDeptCode": self.buyer_dept,
            "DocNumber": self.number,
            "DocDate": self.date,
        }


@dataclass(frozen=True)
class Feedback:
    """What one downloaded ``DeliveryFeedback`` says (its first ``InvoiceFeedback``)."""

    doc_id: str
    xml: bytes
    invoice: str
    status: str
    status_code: str
    status_date: str
    reason: str

    def summary(self) -> dict[str, str]:
        return {
            "DocId": self.doc_id,
            "InvoiceId": self.invoice,
            "Status": self.status,
            "StatusCode": self.status_code,
            "StatusDate": self.status_date,
            "Reason": self.reason,
        }


def _checked(response: dict[str, Any]) -> dict[str, Any]:
    code = "" if response.get("resultado") is None else str(response["resultado"]).strip()
    if not is_ok(code):
        raise BusinessError(code, str(response.get("observaciones") or "").strip(), "", response)
    return response


def _unzip(value: Any, operation: str) -> bytes:
    try:
        data = base64.b64decode(str(value or ""), validate=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) != 1:
                raise ValueError(f"{len(infos)} files")
            with archive.open(infos[0]) as stream:
                content = stream.read(MAX_UNZIPPED + 1)
    except (binascii.Error, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise TransportFailure(
            "client.unexpected_response", operation=operation, detail=f"ficheroResultante: {exc}"
        ) from None
    if len(content) > MAX_UNZIPPED:
        raise TransportFailure(
            "client.unexpected_response", operation=operation, detail=f"more than {MAX_UNZIPPED} bytes"
        )
    return content


def _parse(content: bytes, operation: str) -> etree._Element:
    try:
        return parse_xml(content, max_bytes=MAX_UNZIPPED).getroot()
    except FacturahubError as error:
        raise TransportFailure(
            "client.unexpected_response", operation=operation, detail=error.message("en")
        ) from None


def _find(parent: etree._Element, *path: str) -> str:
    """Text of the first descendant path by local names (the documents may carry a namespace)."""
    node: etree._Element | None = parent
    for name in path:
        if node is None:
            return ""
        node = next(
            (
                child
                for child in node.iter()
                if child is not node and isinstance(child.tag, str) and etree.QName(child).localname == name
            ),
            None,
        )
    return "" if node is None else (node.text or "").strip()


def pending(connection: Connection, issuer: str) -> list[PendingDocument]:
    """Step 1: the pending status documents of ``issuer``."""
    operation = "solicitudDescargasEstados"
    response = connection.call(operation, issuer)
    if not is_ok(str(response.get("resultado") or "").strip()) and str(
        response.get("observaciones") or ""
    ).startswith(NONE_PENDING):
        return []
    _checked(response)
    if not response.get("ficheroResultante"):
        return []
    root = _parse(_unzip(response["ficheroResultante"], operation), operation)
    return [
        PendingDocument(
            doc_id=_find(document, "DocId"),
            doc_type=_find(document, "DocType"),
            processing_date=_find(document, "DocProcessingDate"),
            supplier=_find(document, "Supplier", "TaxNumber"),
            buyer=_find(document, "Buyer", "TaxNumber"),
            buyer_dept=_find(document, "Buyer", "DeptCode"),
            number=_find(document, "DocNumber"),
            date=_find(document, "DocDate"),
        )
        for document in root.iter()
        if isinstance(document.tag, str) and etree.QName(document).localname == "Document"
    ]


def fetch(connection: Connection, issuer: str, doc_id: str, *, mark: bool = False) -> Feedback:
    """Step 2: one status document (``opcionMarcado`` S when ``mark``)."""
    operation = "peticionDescargasEstados"
    request = {"identificadorEmisor": issuer, "indiceDescarga": doc_id, "opcionMarcado": "S" if mark else "N"}
    response = _checked(connection.call(operation, request))
    xml = _unzip(response.get("ficheroResultante"), operation)
    root = _parse(xml, operation)
    reason = " ".join(
        part for part in (_find(root, "Reason", "Code"), _find(root, "Reason", "Description")) if part
    )
    return Feedback(
        doc_id=doc_id,
        xml=xml,
        invoice=_find(root, "InvoiceId"),
        status=_find(root, "Status"),
        status_code=_find(root, "StatusCode"),
        status_date=_find(root, "StatusDate"),
        reason=reason,
    )


def confirm(connection: Connection, issuer: str, doc_id: str) -> None:
    """Step 3: mark the document downloaded."""
    operation = "confirmacionDescargasEstados"
    _checked(connection.call(operation, {"identificadorEmisor": issuer, "indiceDescarga": doc_id}))


def save(directory: Path, feedback: Feedback) -> Path:
    """Write ``<DocId>.xml`` durably (:func:`write_durably`); an ``OSError`` says why it could not."""
    directory.mkdir(parents=True, exist_ok=True)
    name = _SAFE_NAME.sub("_", feedback.doc_id) or "documento"
    target = directory / f"{name}.xml"
    write_durably(target, feedback.xml)
    return target
