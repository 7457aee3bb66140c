"""Signed FACe requests, built and signed before any timed window."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from bench.workload import grown_invoice
from facturahub.signatures.wssecurity import sign_envelope
from facturahub.signatures.xades_sign import sign_invoice

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
FACE = "https://webservice.face.gob.es"


def load_identity(cert: Path, key: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    return x509.load_pem_x509_certificate(cert.read_bytes()), private


def signed_request(
    payload: str, certificate: x509.Certificate, key: rsa.RSAPrivateKey, namespace: str = FACE
) -> bytes:
    """``payload`` uses the prefix ``web`` for the service's namespace (FACe's by default)."""
    envelope = etree.fromstring(
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}" xmlns:web="{namespace}"><soapenv:Header/>'
        f"<soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>".encode()
    )
    return sign_envelope(etree.ElementTree(envelope), certificate, key, now=datetime.now(UTC))


def invoice_requests(
    shared_data: Path,
    count: int,
    run_id: str,
    certificate: x509.Certificate,
    key: rsa.RSAPrivateKey,
    lines: int = 22,
) -> list[bytes]:
    requests = []
    for index in range(count):
        signed = sign_invoice(grown_invoice(shared_data, lines, f"{run_id}-{index}"), certificate, key)
        encoded = base64.b64encode(signed).decode("ascii")
        payload = (
            "<web:enviarFactura><request><correo>bench@example.org</correo><factura>"
            f"<factura>{encoded}</factura><nombre>bench-{index}.xsig</nombre><mime>application/xml</mime>"
            "</factura><anexos></anexos></request></web:enviarFactura>"
        )
        requests.append(signed_request(payload, certificate, key))
    return requests


def list_request(numbers: list[str], certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    inner = "".join(f"<numeroRegistro>{n}</numeroRegistro>" for n in numbers)
    return signed_request(
        f"<web:consultarListadoFacturas><request>{inner}</request></web:consultarListadoFacturas>",
        certificate,
        key,
    )
