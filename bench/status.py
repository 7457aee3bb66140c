"""Status benchmark (issue: ≥ 2,000 status changes/s on 2 cores through
``cambiarEstadoListadoFacturas``, 100 per call; and eFACT status-download throughput).

Setup, untimed: start the hub, register N invoices through the suppliers' service, and have the
sandbox registry confirm their download (1300). Timed: K concurrent registry clients move every
invoice through 1400 → 2100 → 2300 → 2400 → 2500, 100 changes per call (each change also writes
the history, a status document and the mail outbox row). Then, timed again: the supplier downloads
every pending status document with ``peticionDescargasEstados`` (``opcionMarcado`` S). Requests are
signed before each timed window. Prints figures and, last, one machine-readable line.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from bench.hub import RunningHub, on_every_engine, running_hub, workdir
from bench.intake import HEADERS, SHARED, send_all
from bench.messages import invoice_requests, load_identity, signed_request

RCF = "/face/facturasrcf2"
EFACT = "/efact/sspp"
EFACT_NS = "https://webservice.efact.es/sspp"
CODES = ("1400", "2100", "2300", "2400", "2500")
BATCH = 100
Identity = tuple[x509.Certificate, rsa.RSAPrivateKey]


def post_all(url: str, bodies: list[bytes], clients: int, check: Callable[[bytes], int]) -> float:
    """Send every body from ``clients`` threads; ``check`` returns how many items each answer
    carried out successfully (and raises on a refused call). Returns the elapsed seconds."""

    def worker(chunk: list[bytes]) -> int:
        done = 0
        with httpx.Client(timeout=120) as client:
            for body in chunk:
                done += check(client.post(url, content=body, headers=HEADERS).content)
        return done

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, [bodies[i::clients] for i in range(clients)]))
    return time.perf_counter() - start


def _body(content: bytes) -> str:
    body = etree.fromstring(content).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    return etree.tostring(body, encoding="unicode")[:800] if body is not None else repr(content[:800])


def _ok_items(content: bytes) -> int:
    root = etree.fromstring(content)
    codes = [c.text for c in root.iterfind(".//facturas/*/codigo")]
    if root.findtext(".//resultado/codigo") != "0" or not codes or any(c != "0" for c in codes):
        raise RuntimeError(f"status change refused: {_body(content)}")
    return len(codes)


def _confirmed(content: bytes) -> int:
    if etree.fromstring(content).findtext(".//resultado/codigo") != "0":
        raise RuntimeError(f"confirmarDescargaFactura refused: {_body(content)}")
    return 1


def _downloaded(content: bytes) -> int:
    root = etree.fromstring(content)
    if root.findtext(".//resultado") != "0":
        raise RuntimeError(f"peticionDescargasEstados refused: {_body(content)}")
    return 1


def confirm_requests(numbers: list[str], office: str, registry: Identity) -> list[bytes]:
    return [
        signed_request(
            "<web:confirmarDescargaFactura>"
            f"<oficinaContable>{office}</oficinaContable><numeroRegistro>{number}</numeroRegistro>"
            f"<codigoRCF>RCF-{number}</codigoRCF></web:confirmarDescargaFactura>",
            *registry,
        )
        for number in numbers
    ]


def change_requests(numbers: list[str], office: str, code: str, registry: Identity) -> list[bytes]:
    requests = []
    for start in range(0, len(numbers), BATCH):
        items = "".join(
            f"<item><oficinaContable>{office}</oficinaContable><numeroRegistro>{number}</numeroRegistro>"
            f"<codigo>{code}</codigo><comentarios>bench</comentarios></item>"
            for number in numbers[start : start + BATCH]
        )
        requests.append(
            signed_request(
                f"<web:cambiarEstadoListadoFacturas><request>{items}</request>"
                "</web:cambiarEstadoListadoFacturas>",
                *registry,
            )
        )
    return requests


def _efact_request(payload: str, identity: Identity) -> bytes:
    return signed_request(payload, *identity, namespace=EFACT_NS)


def pending_documents(url: str, issuer: str, supplier: Identity) -> list[str]:
    body = _efact_request(
        f"<web:solicitudDescargasEstados><identificadorEmisor>{issuer}</identificadorEmisor>"
        "</web:solicitudDescargasEstados>",
        supplier,
    )
    root = etree.fromstring(httpx.post(url, content=body, headers=HEADERS, timeout=120).content)
    encoded = root.findtext(".//ficheroResultante")
    if root.findtext(".//resultado") != "0" or not encoded:
        raise RuntimeError("solicitudDescargasEstados returned no index")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))) as archive:
        index = etree.fromstring(archive.read(archive.namelist()[0]))
    return [node.text or "" for node in index.iter() if etree.QName(node).localname == "DocId"]


def download_requests(issuer: str, doc_ids: list[str], supplier: Identity) -> list[bytes]:
    return [
        _efact_request(
            "<web:peticionDescargasEstados><peticionDescargas>"
            f"<identificadorEmisor>{issuer}</identificadorEmisor><indiceDescarga>{doc_id}</indiceDescarga>"
            "<opcionMarcado>S</opcionMarcado></peticionDescargas></web:peticionDescargasEstados>",
            supplier,
        )
        for doc_id in doc_ids
    ]


def run_engine(database_url: str | None, args: argparse.Namespace) -> dict[str, float]:
    with (
        workdir() as tmp,
        running_hub(tmp, SHARED, database_url, args.workers) as hub,
    ):
        return measure(hub, args)


def measure(hub: RunningHub, args: argparse.Namespace) -> dict[str, float]:
    supplier = load_identity(hub.sandbox_dir / "supplier-cert.pem", hub.sandbox_dir / "supplier-key.pem")
    registry = load_identity(hub.sandbox_dir / "registry-cert.pem", hub.sandbox_dir / "registry-key.pem")
    suppliers_url, rcf_url = f"{hub.base_url}/face/facturasspp2", f"{hub.base_url}{RCF}"
    messages = invoice_requests(SHARED, args.invoices, f"S{uuid.uuid4().hex[:8]}", *supplier, lines=3)
    _, _, numbers, refused = send_all(suppliers_url, messages, args.clients)
    if refused:
        raise RuntimeError(f"{refused} invoices were refused during the setup")
    office = _office(messages[0])
    post_all(rcf_url, confirm_requests(numbers, office, registry), args.clients, _confirmed)

    rounds = [change_requests(numbers, office, code, registry) for code in CODES]
    changes, elapsed = 0, 0.0
    for requests in rounds:  # one code after the other: each round moves every invoice one step
        start = time.perf_counter()
        post_all(rcf_url, requests, args.clients, _ok_items)
        elapsed += time.perf_counter() - start
        changes += len(numbers)
    changes_per_s = changes / elapsed

    issuer = _issuer(messages[0])
    efact_url = f"{hub.base_url}{EFACT}"
    doc_ids = pending_documents(efact_url, issuer, supplier)
    downloads = download_requests(issuer, doc_ids, supplier)
    download_s = post_all(efact_url, downloads, args.clients, _downloaded)
    downloads_per_s = len(downloads) / download_s
    print(
        f"[{hub.engine}] {changes} status changes ({len(numbers)} invoices × {len(CODES)} codes, "
        f"{BATCH} per call, {args.clients} clients, {args.workers} hub workers): {changes_per_s:.0f}/s"
    )
    print(f"[{hub.engine}] {len(downloads)} status documents downloaded: {downloads_per_s:.0f}/s")
    return {"status_changes_per_s": changes_per_s, "downloads_per_s": downloads_per_s}


def _invoice(request: bytes) -> etree._Element:
    root = etree.fromstring(request)
    return etree.fromstring(base64.b64decode(root.findtext(".//factura/factura") or ""))


def _office(request: bytes) -> str:
    """The invoice's oficina contable (role 01): the bench invoices all share it."""
    for centre in _invoice(request).iterfind(".//AdministrativeCentre"):
        if centre.findtext("RoleTypeCode") == "01":
            return centre.findtext("CentreCode") or ""
    raise RuntimeError("the bench invoice has no oficina contable")


def _issuer(request: bytes) -> str:
    found = _invoice(request).findtext(".//SellerParty/TaxIdentification/TaxIdentificationNumber")
    if not found:
        raise RuntimeError("the bench invoice has no seller tax id")
    return found


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="hub worker processes")
    args = parser.parse_args(argv)
    return on_every_engine("status", run_engine, args)


if __name__ == "__main__":
    main()
