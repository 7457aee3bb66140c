"""Transport and WS-Security rules of the FACe suppliers' service through real HTTP (security.md
S1, S2, S3, S5, S6, X3; protocols.md §1 and §1.1): envelope faults 101-104, signature faults 100,
unregistered or misused certificates 300, the interop variants real clients send, and every
response (faults included) signed with the hub's certificate."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from sqlalchemy import create_engine, inspect, text
from tests.functional.face_hub import MAX_REQUEST_BYTES, FaceHub, face_hub, register_sender
from tests.functional.soap_client import SOAP, face_payload, fixture_identity, post, zeep_signed
from tests.unit.signatures.wss_fixtures import handbuilt_request, zeep_request
from tests.x500_dialects import OTHER_NAMES, WRITTEN, issued_by_spanish_ca

from facturahub.signatures.certgen import Identity
from facturahub.signatures.dsig_algorithms import C14N_10, RSA_SHA1, RSA_SHA512, SHA1, SHA512
from facturahub.signatures.wss_envelope import WSSE_NS

__all__ = ["face_hub"]

ESTADOS = face_payload("consultarEstados")
SPANISH_CA_CLIENT_NIF = "22222222J"
WSE_PHP: dict[str, object] = {
    "lifetime": 3600,
    "timestamp": "first",
    "signature_before_token": False,
    "signature_method": RSA_SHA1,
    "digest_method": SHA1,
}


def _fault(face_hub: FaceHub, body: bytes, code: str, **options: object) -> str:
    answer = post(face_hub.endpoint, body, face_hub.hub_cert_pem, **options)  # type: ignore[arg-type]
    assert answer.operation == "Fault", answer.body.decode()
    assert answer.status == 500
    tracking, found, message = (answer.fault_string or "").split(" - ", 2)
    assert len(tracking) == 32 and found == code, answer.fault_string
    return message


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"", "101", "vacía"),
        (b"   \n", "101", "vacía"),
        (b"<foo/>", "102", "SOAP Envelope"),
        (b"not xml at all", "102", "SOAP Envelope"),
        (f'<s:Envelope xmlns:s="{SOAP}"><s:Header/></s:Envelope>'.encode(), "103", "SOAP Body"),
        (f'<s:Envelope xmlns:s="{SOAP}"><s:Body/></s:Envelope>'.encode(), "104", "SOAP Header"),
        (f'<s:Envelope xmlns:s="{SOAP}"><s:Header/><s:Body/></s:Envelope>'.encode(), "100", "wsse:Security"),
    ],
)
def test_envelope_faults_are_signed_soap_faults(
    face_hub: FaceHub, body: bytes, code: str, words: str
) -> None:
    assert words in _fault(face_hub, body, code)


def test_doctype_is_refused_before_anything_else(face_hub: FaceHub) -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    message = _fault(face_hub, body, "102")
    assert "passwd" not in message and "root:" not in message


def test_x3_documents_costly_to_canonicalise_are_refused_before_any_signature_work(face_hub: FaceHub) -> None:
    """c14n costs the square of the namespaces in scope and of an element's attributes: thousands
    of declarations on an unsigned Envelope held a worker for minutes while its SignedInfo was
    canonicalised, before any key was tried. Such a document is refused (102) as it is parsed."""
    body = zeep_signed(ESTADOS, face_hub.supplier)
    declarations = " ".join(f'xmlns:n{i}="urn:n{i}"' for i in range(2000))
    crowded = body.replace(b"<soapenv:Envelope ", f"<soapenv:Envelope {declarations} ".encode(), 1)
    assert crowded != body
    assert "más de 32 espacios de nombres" in _fault(face_hub, crowded, "102")
    attributes = " ".join(f'a{i}="x"' for i in range(65))
    crowded = body.replace(b"<web:consultarEstados ", f"<web:consultarEstados {attributes} ".encode(), 1)
    assert crowded != body
    message = _fault(face_hub, crowded, "102")
    assert "consultarEstados (línea" in message and "tiene 65 atributos y el máximo es 64" in message
    # at the limits the request is only a request
    declarations = " ".join(f'xmlns:n{i}="urn:n{i}"' for i in range(20))
    fits = zeep_signed(
        face_payload("consultarEstados").replace(
            "<web:consultarEstados ", f"<web:consultarEstados {declarations} "
        ),
        face_hub.supplier,
    )
    answer = post(face_hub.endpoint, fits, face_hub.hub_cert_pem)
    assert answer.status == 200 and answer.result()[0] == "0"


def test_content_type_and_soap_action_variants(face_hub: FaceHub) -> None:
    for content_type, action in [
        ("text/xml", None),
        ('text/xml; charset="utf-8"', '"https://webservice.face.gob.es#consultarEstados"'),
        ("text/xml;charset=UTF-8", "https://webservice.face.gob.es#consultarEstados"),
        ("TEXT/XML", ""),
    ]:
        answer = post(
            face_hub.endpoint,
            zeep_signed(ESTADOS, face_hub.supplier),
            face_hub.hub_cert_pem,
            content_type=content_type,
            soap_action=action,
        )
        assert answer.status == 200 and answer.operation == "consultarEstadosResponse"
        assert answer.result()[0] == "0"
    refused = post(
        face_hub.endpoint,
        zeep_signed(ESTADOS, face_hub.supplier),
        face_hub.hub_cert_pem,
        content_type="application/json",
    )
    assert refused.status == 415 and "application/json" in (refused.fault_string or "")


def test_s6_soap_action_naming_another_operation_is_ignored(face_hub: FaceHub) -> None:
    answer = post(
        face_hub.endpoint,
        zeep_signed(ESTADOS, face_hub.supplier),
        face_hub.hub_cert_pem,
        soap_action='"https://webservice.face.gob.es#anularFactura"',
    )
    assert answer.operation == "consultarEstadosResponse" and answer.result()[0] == "0"


def test_s2_the_same_envelope_twice_is_a_replay(face_hub: FaceHub) -> None:
    body = zeep_signed(ESTADOS, face_hub.supplier)
    first = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert first.status == 200 and first.result()[0] == "0"
    message = _fault(face_hub, body, "100")
    assert "ya se recibió" in message and "Timestamp" not in message


def test_s2_a_repeated_body_only_request_is_a_replay_that_says_how_to_avoid_it(face_hub: FaceHub) -> None:
    """FACe accepts Body-only signatures, which RSA PKCS#1 v1.5 makes deterministic: the same query
    sent twice is the same signature. It stays refused, and the Fault says what to do."""
    body = handbuilt_request(  # its SignedInfo differs from the interop variant's below (c14n)
        fixture_identity(face_hub.supplier), created=datetime.now(UTC), timestamp=None, c14n=C14N_10
    )
    first = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert first.status == 200 and first.result()[0] == "303", first.fault_string
    message = _fault(face_hub, body, "100")
    assert "ya se recibió" in message and "incluya y firme un Timestamp" in message, message
    # a query: the same bytes replayed later only read, so a client may poll Body-only as FACe's
    # example signs; it is refused for the lifetime cap plus the skew only
    assert _seen_until(message) <= datetime.now(UTC) + timedelta(seconds=600)


def test_s2_a_body_only_request_that_changes_something_is_refused_until_its_certificate_expires(
    face_hub: FaceHub,
) -> None:
    """Without a signed Timestamp the very bytes verify for as long as the certificate is valid:
    an anularFactura remembered for 600 s only could be replayed after them (the review replayed
    such a request 10 minutes later and it was answered)."""
    payload = face_payload("anularFactura", "<numeroRegistro>209900000078</numeroRegistro><motivo>x</motivo>")
    body = zeep_request(fixture_identity(face_hub.supplier), timestamp=False, payload=payload)
    first = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert first.status == 200 and first.result()[0] == "303", first.fault_string
    message = _fault(face_hub, body, "100")
    assert _seen_until(message) >= face_hub.supplier.certificate.not_valid_after_utc, message


def _seen_until(message: str) -> datetime:
    seen_until = datetime.fromisoformat(message.split("reenvío rechazado hasta ")[1].split(")")[0])
    return seen_until.replace(tzinfo=seen_until.tzinfo or UTC)


def test_s2_a_request_refused_with_a_business_error_is_still_consumed(face_hub: FaceHub) -> None:
    body = zeep_signed(
        face_payload("consultarFactura", "<numeroRegistro>209900000077</numeroRegistro>"), face_hub.supplier
    )
    first = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert first.result()[0] == "303"
    assert post(face_hub.endpoint, body, face_hub.hub_cert_pem).fault_code == "100"


def test_s3_expired_and_future_messages(face_hub: FaceHub) -> None:
    expired = _fault(face_hub, zeep_signed(ESTADOS, face_hub.supplier, offset=timedelta(hours=-1)), "100")
    assert "caduc" in expired and "hora del servidor" in expired
    future = _fault(face_hub, zeep_signed(ESTADOS, face_hub.supplier, offset=timedelta(hours=1)), "100")
    assert "futuro" in future


def test_s1_signed_body_moved_into_the_header_and_replaced(face_hub: FaceHub) -> None:
    root = etree.fromstring(zeep_signed(ESTADOS, face_hub.supplier))
    body = root.find(f"{{{SOAP}}}Body")
    header = root.find(f"{{{SOAP}}}Header")
    assert body is not None and header is not None
    wrapper = etree.SubElement(header, "{urn:attacker}Wrapper")
    wrapper.append(copy.deepcopy(body))
    for child in list(body):
        body.remove(child)
    body.append(
        etree.fromstring(
            face_payload("anularFactura", "<numeroRegistro>1</numeroRegistro><motivo>x</motivo>")
        )
    )
    _fault(face_hub, etree.tostring(root), "100")


def test_tampered_body_is_100(face_hub: FaceHub) -> None:
    signed = zeep_signed(
        face_payload("consultarFactura", "<numeroRegistro>209900000001</numeroRegistro>"), face_hub.supplier
    )
    message = _fault(face_hub, signed.replace(b"209900000001", b"209900000002"), "100")
    assert "no coincide" in message


def test_s5_unregistered_certificate_is_300(face_hub: FaceHub) -> None:
    from facturahub.signatures.certgen import issue

    stranger = issue("facturahub tests stranger", tax_id="B00000018")
    message = _fault(face_hub, zeep_signed(ESTADOS, stranger), "300")
    assert (
        "no está dado de alta" in message and "no está registrado" in message and stranger.sha256 in message
    )


def test_s5_platform_without_sending_capability_is_300(face_hub: FaceHub) -> None:
    message = _fault(face_hub, zeep_signed(ESTADOS, face_hub.registry), "300")
    assert "sandbox-rcf" in message or "sending" in message


def _with_intermediary_block(signed: bytes, *, retarget_ours: bool = False) -> bytes:
    """``signed`` with a wsse:Security block for an intermediary (soapenv:actor) added after signing,
    as a proxy that signs for its next hop does; ``retarget_ours`` addresses the client's block to
    another actor too."""
    root = etree.fromstring(signed)
    header = root.find(f"{{{SOAP}}}Header")
    assert header is not None
    ours = header.find(f"{{{WSSE_NS}}}Security")
    assert ours is not None
    if retarget_ours:
        ours.set(f"{{{SOAP}}}actor", "urn:example:gateway")
    proxy = etree.SubElement(header, f"{{{WSSE_NS}}}Security", {f"{{{SOAP}}}actor": "urn:example:proxy"})
    etree.SubElement(proxy, f"{{{WSSE_NS}}}UsernameToken").text = "proxy"
    return bytes(etree.tostring(root))


def test_a_security_block_for_an_intermediary_is_left_alone(face_hub: FaceHub) -> None:
    body = _with_intermediary_block(zeep_signed(ESTADOS, face_hub.supplier))
    answer = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert answer.status == 200, answer.fault_string
    assert answer.operation == "consultarEstadosResponse"


def test_security_blocks_only_for_other_actors_is_100_naming_them(face_hub: FaceHub) -> None:
    body = _with_intermediary_block(zeep_signed(ESTADOS, face_hub.supplier), retarget_ours=True)
    message = _fault(face_hub, body, "100")
    assert "urn:example:gateway, urn:example:proxy" in message and "soapenv:actor" in message, message


def test_unknown_operation_is_a_fault(face_hub: FaceHub) -> None:
    message = _fault(
        face_hub, zeep_signed(face_payload("enviarListadoFacturasOffLine"), face_hub.supplier), "001"
    )
    assert "enviarListadoFacturasOffLine" in message


@pytest.mark.parametrize(
    "variant",
    [
        {"signature_method": RSA_SHA512, "digest_method": SHA512, "transforms": None},
        {"timestamp": "first"},
        {"timestamp": "last", "signature_before_token": False},
        {"zone": timezone(timedelta(hours=2))},
        {"c14n_prefixes": "soapenv wsse", "transform_prefixes": "soapenv"},
        {"c14n": C14N_10},
        {"timestamp": None},
        # a Body-only signature is deterministic (RSA PKCS#1 v1.5): identical requests would be
        # replays of each other, so this one differs from the previous by its Id attribute
        {"sign_timestamp": False, "id_attribute": "plain"},
        {"id_attribute": "plain"},
        {"key_reference": "issuer-serial"},
        # PHP's wse-php as FACe clients use it (fawno/Facturae): addTimestamp() with its default
        # one-hour Expires, Timestamp first, rsa-sha1, Signature appended after the token
        WSE_PHP,
    ],
    ids=[
        "rsa-sha512-no-transforms",
        "timestamp-first",
        "timestamp-last-token-first",
        "plus-0200",
        "inclusive-prefixes",
        "inclusive-c14n",
        "body-only-no-timestamp",
        "timestamp-unsigned",
        "unqualified-id-signed-timestamp",
        "x509-issuer-serial",
        "wse-php-one-hour-timestamp",
    ],
)
def test_interop_variants_are_accepted(face_hub: FaceHub, variant: dict[str, object]) -> None:
    body = handbuilt_request(fixture_identity(face_hub.supplier), created=datetime.now(UTC), **variant)  # type: ignore[arg-type]
    answer = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert answer.status == 200, answer.fault_string
    assert answer.operation == "consultarFacturaResponse"
    assert answer.result()[0] == "303"  # the request was accepted; that invoice is not ours


@pytest.fixture(scope="module")
def spanish_ca_client(face_hub: FaceHub, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    """A sending platform whose certificate's issuer has serialNumber, organizationIdentifier and
    emailAddress in its name, as Spanish CAs' names do."""
    client = issued_by_spanish_ca("cliente wss4j de pruebas", SPANISH_CA_CLIENT_NIF)
    register_sender(
        face_hub.env, tmp_path_factory.mktemp("spanish-ca"), SPANISH_CA_CLIENT_NIF, "Java", client
    )
    return client


@pytest.mark.parametrize("dialect", ["java-rfc2253", "java-tostring", "openssl-rfc2253", "php-xmlseclibs"])
def test_issuer_serial_as_each_client_library_writes_it(
    face_hub: FaceHub, spanish_ca_client: Identity, dialect: str
) -> None:
    """WSS4J/Santuario (Java) write the issuer's serialNumber, organizationIdentifier and emailAddress
    as ``OID=#hex``; .NET as ``OID.2.5.4.97=``; xmlsec escapes UTF-8 bytes; PHP escapes nothing. Each
    names the registered certificate, and the request is served."""
    body = handbuilt_request(
        fixture_identity(spanish_ca_client),
        created=datetime.now(UTC),
        key_reference="issuer-serial",
        issuer_name=WRITTEN[dialect],
    )
    answer = post(face_hub.endpoint, body, face_hub.hub_cert_pem)
    assert answer.status == 200, answer.fault_string
    assert answer.operation == "consultarFacturaResponse"
    assert answer.result()[0] == "303"  # served: that invoice is not this supplier's


def test_issuer_serial_naming_another_issuer_is_300(face_hub: FaceHub, spanish_ca_client: Identity) -> None:
    body = handbuilt_request(
        fixture_identity(spanish_ca_client),
        created=datetime.now(UTC),
        key_reference="issuer-serial",
        issuer_name=OTHER_NAMES["organization-identifier"],
    )
    message = _fault(face_hub, body, "300")
    assert str(spanish_ca_client.certificate.serial_number) in message, message


def test_issuer_serial_that_cannot_be_read_is_100_saying_why(
    face_hub: FaceHub, spanish_ca_client: Identity
) -> None:
    body = handbuilt_request(
        fixture_identity(spanish_ca_client),
        created=datetime.now(UTC),
        key_reference="issuer-serial",
        issuer_name="CN=AC Representación,2.5.4.97=#0c0f5641",
    )
    message = _fault(face_hub, body, "100")
    assert "X509IssuerSerial" in message and "length is not 15 bytes" in message, message


def test_issuer_serial_naming_two_registered_certificates_is_never_guessed(face_hub: FaceHub) -> None:
    """Registration refuses a second certificate with a registered issuer and serial number; one
    stored before that rule (copied here into the database) makes the pair ambiguous, and a request
    naming it so is refused saying to include the certificate itself, whichever row comes first."""
    supplier = face_hub.supplier.certificate
    clone_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clone = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clon")]))
        .issuer_name(supplier.issuer)
        .serial_number(supplier.serial_number)
        .public_key(clone_key.public_key())
        .not_valid_before(supplier.not_valid_before_utc)
        .not_valid_after(supplier.not_valid_after_utc)
        .sign(clone_key, hashes.SHA256())
    )
    der = clone.public_bytes(serialization.Encoding.DER)
    engine = create_engine(face_hub.env["FACTURAHUB_DATABASE_URL"])
    columns = [c["name"] for c in inspect(engine).get_columns("certificates") if c["name"] != "id"]
    copied = ", ".join(f":{c}" if c in ("der", "sha1", "sha256", "alias") else c for c in columns)
    values = {
        "der": der,
        "sha1": hashlib.sha1(der).hexdigest(),  # noqa: S324 (a thumbprint, not a password)
        "sha256": hashlib.sha256(der).hexdigest(),
        "alias": "clon",
        "original": hashlib.sha256(supplier.public_bytes(serialization.Encoding.DER)).hexdigest(),
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO certificates ({', '.join(columns)}) SELECT {copied} FROM certificates WHERE sha256 = :original"
            ),
            values,
        )
    try:
        body = handbuilt_request(
            fixture_identity(face_hub.supplier), created=datetime.now(UTC), key_reference="issuer-serial"
        )
        message = _fault(face_hub, body, "100")
        assert "corresponden a 2 certificados registrados" in message and "BinarySecurityToken" in message
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM certificates WHERE sha256 = :sha256"), values)
        engine.dispose()


def test_a_one_hour_timestamp_is_good_for_the_lifetime_cap_only(face_hub: FaceHub) -> None:
    """The declared hour is not refused, but a message is accepted for 300 s (+ skew) after its
    Created at most, and the Fault says so."""
    stale = datetime.now(UTC) - timedelta(seconds=700)
    body = handbuilt_request(fixture_identity(face_hub.supplier), created=stale, **WSE_PHP)  # type: ignore[arg-type]
    message = _fault(face_hub, body, "100")
    assert "durante 300 s como máximo" in message and "Expires" in message, message


def test_x3_body_cap_with_and_without_content_length(face_hub: FaceHub) -> None:
    oversized = b" " * (MAX_REQUEST_BYTES + 1)
    answer = post(face_hub.endpoint, oversized, face_hub.hub_cert_pem)
    assert answer.status == 413 and answer.fault_code == "001"

    def chunks() -> object:
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b" " * 65536

    streamed = post(face_hub.endpoint, b"", face_hub.hub_cert_pem, content=chunks())
    assert streamed.status == 413 and str(MAX_REQUEST_BYTES) in (streamed.fault_string or "")
    at_limit = zeep_signed(ESTADOS, face_hub.supplier)
    padded = at_limit + b" " * (MAX_REQUEST_BYTES - len(at_limit))
    assert len(padded) == MAX_REQUEST_BYTES
    assert post(face_hub.endpoint, padded, face_hub.hub_cert_pem).result()[0] == "0"


def test_get_without_wsdl_is_not_a_service_call(face_hub: FaceHub) -> None:
    assert httpx.get(face_hub.endpoint, timeout=30).status_code == 404
