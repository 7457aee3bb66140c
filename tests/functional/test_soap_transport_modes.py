"""Where a SOAP request is processed (``soap/transport.py``): on the worker's event loop when its
body is at most ``soap_inline_max_bytes``, in the worker's thread pool when it is larger.

Both paths at once in a single worker process, on SQLite and PostgreSQL: small and large
submissions from several clients interleave (large ones run in pool threads while the event loop
goes on with small ones, and they queue for the same database writer). Every submission is
registered exactly once with a distinct, gapless number, and every answer is signed by the hub.
"""

from __future__ import annotations

import base64
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree
from tests.conftest import BACKENDS
from tests.functional.face_hub import invoice_variant, signed
from tests.functional.hub_process import own_hub
from tests.functional.soap_client import face_payload, verify_response, zeep_signed

from facturahub.signatures.certgen import Identity
from facturahub.signatures.dsig_algorithms import RSA_SHA1, SHA1

DS = "http://www.w3.org/2000/09/xmldsig#"
XML = {"Content-Type": "text/xml"}

INLINE_LIMIT = 64 * 1024
CLIENTS = 4
PER_CLIENT = 4


def enviar_factura(document: bytes, attachment: bytes | None) -> str:
    anexos = ""
    if attachment is not None:
        encoded = base64.b64encode(attachment).decode()
        anexos = f"<anexo><anexo>{encoded}</anexo><nombre>notas.txt</nombre><mime>text/plain</mime></anexo>"
    return face_payload(
        "enviarFactura",
        "<request><correo>proveedor@example.com</correo><factura>"
        f"<factura>{base64.b64encode(document).decode()}</factura><nombre>factura.xsig</nombre>"
        f"<mime>application/xml</mime></factura><anexos>{anexos}</anexos></request>",
    )


def request_body(signer: Identity, large: bool) -> bytes:
    attachment = os.urandom(INLINE_LIMIT).hex().encode() if large else None  # 128 KiB of text
    return zeep_signed(enviar_factura(signed(invoice_variant()[0], signer), attachment), signer)


@pytest.mark.parametrize("backend", BACKENDS)
def test_inline_and_thread_pool_requests_interleave_in_one_worker(backend: str, tmp_path: Path) -> None:
    with own_hub(backend, tmp_path, WORKERS="1", SOAP_INLINE_MAX_BYTES=str(INLINE_LIMIT)) as hub:
        hub.start()
        signer, hub_cert = hub.supplier, hub.hub_cert_pem
        bodies = [
            [request_body(signer, large=(client + index) % 2 == 0) for index in range(PER_CLIENT)]
            for client in range(CLIENTS)
        ]
        sizes = [len(body) for chunk in bodies for body in chunk]
        assert sum(size > INLINE_LIMIT for size in sizes) == sum(size <= INLINE_LIMIT for size in sizes)

        def client(chunk: list[bytes]) -> list[str]:
            numbers = []
            with httpx.Client(timeout=60) as http:
                for body in chunk:
                    response = http.post(
                        hub.face_endpoint, content=body, headers={"Content-Type": "text/xml"}
                    )
                    verified = verify_response(response.content, hub_cert)
                    assert response.status_code == 200, response.text[-500:]
                    returned = verified.operation.find("return")
                    assert returned is not None
                    assert returned.findtext("resultado/codigo") == "0", returned.findtext(
                        "resultado/descripcion"
                    )
                    numbers.append(returned.findtext("factura/numeroRegistro") or "")
            return numbers

        with ThreadPoolExecutor(CLIENTS) as pool:
            numbers = [number for chunk in pool.map(client, bodies) for number in chunk]

        assert len(set(numbers)) == CLIENTS * PER_CLIENT
        assert sorted(int(number[4:]) for number in numbers) == list(range(1, CLIENTS * PER_CLIENT + 1))
        assert "Traceback" not in hub.log()


@pytest.mark.parametrize("backend", BACKENDS)
def test_response_algorithm_and_timestamp_lifetime_are_settings(backend: str, tmp_path: Path) -> None:
    """protocols.md §1: responses rsa-sha256 by default, rsa-sha1 configurable; security.md S3: the
    lifetime cap defaults to 300 s. A hub set to rsa-sha1 and 60 s signs its answers (faults too)
    with rsa-sha1 over sha1 digests, and refuses a request created 400 s ago that the default
    300 s (plus the 300 s skew) would take."""
    settings = {
        "WORKERS": "1",
        "RESPONSE_SIGNATURE_ALGORITHM": "rsa-sha1",
        "TIMESTAMP_MAX_LIFETIME_SECONDS": "60",
    }
    with own_hub(backend, tmp_path, **settings) as hub:
        hub.start()
        estados = face_payload("consultarEstados")
        fresh = httpx.post(hub.face_endpoint, content=zeep_signed(estados, hub.supplier), headers=XML)
        assert verify_response(fresh.content, hub.hub_cert_pem).signature_method == RSA_SHA1
        response = etree.fromstring(fresh.content)
        assert {m.get("Algorithm") for m in response.iter(f"{{{DS}}}DigestMethod")} == {SHA1}
        assert response.findtext(".//return/resultado/codigo") == "0"

        old = zeep_signed(estados, hub.supplier, offset=timedelta(seconds=-400))
        refused = httpx.post(hub.face_endpoint, content=old, headers=XML)
        assert verify_response(refused.content, hub.hub_cert_pem).signature_method == RSA_SHA1
        fault = etree.fromstring(refused.content).findtext(".//faultstring") or ""
        assert " - 100 - " in fault and "el servidor lo admite durante 60 s como máximo" in fault, fault
