"""Chain validation against a trust store (signatures/trust.py), with certificates made by
signatures/certgen.py: CA → leaf, root → intermediate → leaf, untrusted roots, missing
intermediates, forged issuers, validity judged at the signing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA

from facturahub.errors import ConfigurationError, SignatureInvalid
from facturahub.signatures.certgen import Identity, issue
from facturahub.signatures.trust import TrustStore, load_trust_store, parse_trust_store, verify_chain
from facturahub.signatures.xades import verify_invoice_signature
from facturahub.signatures.xades_sign import sign_invoice


def now() -> datetime:
    """At call time: the suite may run long after this module was collected."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def root() -> Identity:
    return issue("Test Root CA", organisation="Trust Tests", is_ca=True, days=3650)


@pytest.fixture(scope="module")
def intermediate(root: Identity) -> Identity:
    return issue("Test Issuing CA", organisation="Trust Tests", issuer=root, is_ca=True, days=1825)


@pytest.fixture(scope="module")
def leaf(intermediate: Identity) -> Identity:
    return issue("Firmante", tax_id="B00000018", organisation="Trust Tests", issuer=intermediate)


def _store(*anchors: Identity) -> TrustStore:
    return TrustStore(tuple(anchor.certificate for anchor in anchors))


def _refused(key: str, *args: object) -> SignatureInvalid:
    with pytest.raises(SignatureInvalid) as caught:
        verify_chain(*args)  # type: ignore[arg-type]
    assert caught.value.key == key, caught.value
    return caught.value


def test_ca_to_leaf(root: Identity) -> None:
    signer = issue("Directo", issuer=root, organisation="Trust Tests")
    path = verify_chain(signer.certificate, [], _store(root), now())
    assert path == (signer.certificate, root.certificate)


def test_root_intermediate_leaf_with_the_intermediate_embedded(
    root: Identity, intermediate: Identity, leaf: Identity
) -> None:
    path = verify_chain(leaf.certificate, [intermediate.certificate, root.certificate], _store(root), now())
    assert path == (leaf.certificate, intermediate.certificate, root.certificate)


def test_an_intermediate_may_be_the_anchor(intermediate: Identity, leaf: Identity) -> None:
    assert verify_chain(leaf.certificate, [], _store(intermediate), now()) == (
        leaf.certificate,
        intermediate.certificate,
    )


def test_a_certificate_in_the_store_is_trusted_directly() -> None:
    self_signed = issue("Autofirmado", organisation="Trust Tests")
    assert verify_chain(self_signed.certificate, [], _store(self_signed), now()) == (self_signed.certificate,)


def test_missing_intermediate_is_refused_naming_it(
    root: Identity, intermediate: Identity, leaf: Identity
) -> None:
    error = _refused("xades.chain_issuer_missing", leaf.certificate, [root.certificate], _store(root), now())
    assert "Test Issuing CA" in error.message("en") and "Firmante" in error.message("en")


def test_untrusted_root_is_refused_naming_it(root: Identity, intermediate: Identity, leaf: Identity) -> None:
    other = issue("Other Root CA", organisation="Elsewhere", is_ca=True)
    error = _refused(
        "xades.chain_untrusted_root",
        leaf.certificate,
        [intermediate.certificate, root.certificate],
        _store(other),
        now(),
    )
    assert "Test Root CA" in error.message("es")


def test_self_signed_signer_outside_the_store_is_an_untrusted_root(root: Identity) -> None:
    self_signed = issue("Autofirmado", organisation="Trust Tests")
    _refused("xades.chain_untrusted_root", self_signed.certificate, [], _store(root), now())


def test_forged_issuer_with_the_anchors_name_but_another_key(root: Identity) -> None:
    """A fake CA with the trusted root's very subject: the leaf's signature does not verify with
    the real root, and the fake is not an anchor."""
    fake = issue("Test Root CA", organisation="Trust Tests", is_ca=True)
    assert fake.certificate.subject == root.certificate.subject
    victim = issue("Victima", issuer=fake, organisation="Trust Tests")
    _refused("xades.chain_untrusted_root", victim.certificate, [fake.certificate], _store(root), now())


def test_issuer_that_is_not_a_ca(root: Identity) -> None:
    not_ca = issue("Not a CA", issuer=root, organisation="Trust Tests")
    signer = issue("Firmado por una hoja", issuer=not_ca, organisation="Trust Tests")
    error = _refused("xades.chain_not_a_ca", signer.certificate, [not_ca.certificate], _store(root), now())
    assert "Not a CA" in error.message("en")


def test_validity_is_judged_at_the_signing_time(root: Identity) -> None:
    long_ago = now() - timedelta(days=400)
    signed_then = long_ago + timedelta(days=10)
    old_root = issue("Old Root", organisation="Trust Tests", is_ca=True, not_before=long_ago, days=3650)
    old_leaf = issue(
        "Firmado entonces", issuer=old_root, organisation="Trust Tests", not_before=long_ago, days=30
    )
    assert verify_chain(old_leaf.certificate, [], _store(old_root), signed_then)
    _refused("xades.chain_expired", old_leaf.certificate, [], _store(old_root), now())
    # a leaf backdated before its CA existed: the CA was not valid when the leaf "signed"
    backdated = issue("Antedatado", issuer=root, organisation="Trust Tests", not_before=long_ago, days=800)
    error = _refused("xades.chain_not_yet_valid", backdated.certificate, [], _store(root), signed_then)
    assert "Test Root CA" in error.message("en")


def test_an_intermediate_expired_before_the_signature(root: Identity) -> None:
    start = now() - timedelta(days=100)
    short_ca = issue(
        "Short-lived CA", issuer=root, organisation="Trust Tests", is_ca=True, not_before=start, days=10
    )
    signer = issue("Firmante tardío", issuer=short_ca, organisation="Trust Tests", not_before=start, days=365)
    error = _refused("xades.chain_expired", signer.certificate, [short_ca.certificate], _store(root), now())
    assert "Short-lived CA" in error.message("en")


def test_naive_time_is_a_programming_error(root: Identity) -> None:
    with pytest.raises(ValueError, match="aware"):
        verify_chain(root.certificate, [], _store(root), datetime(2026, 1, 1))


def test_the_chain_embedded_by_the_invoice_signer(
    root: Identity, intermediate: Identity, leaf: Identity
) -> None:
    xml = (SHARED_DATA / "facturae" / "samples" / "fawno-unsigned-factura-prueba-v1-2-0.xml").read_bytes()
    signed = sign_invoice(xml, leaf.certificate, leaf.private_key, chain=[intermediate.certificate])
    verified = verify_invoice_signature(signed)
    assert verified.embedded_certificates == (intermediate.certificate,)
    path = verify_chain(
        verified.certificate, verified.embedded_certificates, _store(root), verified.signing_time
    )
    assert path == (leaf.certificate, intermediate.certificate, root.certificate)
    without_chain = verify_invoice_signature(sign_invoice(xml, leaf.certificate, leaf.private_key))
    _refused(
        "xades.chain_issuer_missing",
        without_chain.certificate,
        without_chain.embedded_certificates,
        _store(root),
        without_chain.signing_time,
    )


# --- the store file ----------------------------------------------------------------------------


def test_parse_a_bundle(root: Identity, intermediate: Identity) -> None:
    store = parse_trust_store(root.certificate_pem + b"\n# comment\n" + intermediate.certificate_pem)
    assert store.anchors == (root.certificate, intermediate.certificate)
    assert store.is_anchor(intermediate.certificate) and not store.is_anchor(issue("x").certificate)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "trust_store.empty"),
        (b"not a certificate", "trust_store.empty"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "trust_store.invalid"),
    ],
)
def test_unusable_stores_are_configuration_errors(data: bytes, key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_trust_store(data, source="store.pem")
    assert caught.value.key == key and "store.pem" in caught.value.message("en")


def test_load_from_a_file_follows_changes(tmp_path: Path, root: Identity, intermediate: Identity) -> None:
    path = tmp_path / "trust.pem"
    with pytest.raises(ConfigurationError) as caught:
        load_trust_store(path)
    assert caught.value.key == "trust_store.unreadable"
    path.write_bytes(root.certificate_pem)
    assert load_trust_store(path).anchors == (root.certificate,)
    path.write_bytes(root.certificate_pem + intermediate.certificate_pem)
    assert len(load_trust_store(path).anchors) == 2
