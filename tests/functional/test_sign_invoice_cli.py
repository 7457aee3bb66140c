"""`facturahub sign-invoice`: output our verifier accepts, precise errors for bad identities."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

from lxml import etree

from facturahub.signatures.certgen import issue
from facturahub.signatures.xades import verify_invoice_signature

DS = "http://www.w3.org/2000/09/xmldsig#"
FACTURAHUB = str(Path(sys.executable).parent / "facturahub")


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([FACTURAHUB, *args], capture_output=True, timeout=60, check=False)


def test_sign_with_pkcs12_to_stdout_and_with_pem_to_a_file(shared_data: Path, tmp_path: Path) -> None:
    invoice = shared_data / "facturae" / "samples" / "fawno-unsigned-factura_ejemplo.xml"
    p12 = shared_data / "certs" / "facturae-php-facturae.p12"
    result = _run(
        "sign-invoice", str(invoice), "--p12", str(p12), "--password", "1234", "--algorithm", "rsa-sha512"
    )
    assert result.returncode == 0, result.stderr
    verified = verify_invoice_signature(result.stdout)
    assert "99999972C" in verified.certificate.subject.rfc4514_string()
    assert verified.signature_algorithm.endswith("rsa-sha512")

    identity = issue("pem signer", tax_id="B00000018")
    (tmp_path / "c.pem").write_bytes(identity.certificate_pem)
    (tmp_path / "k.pem").write_bytes(identity.private_key_pem)
    out = tmp_path / "out.xsig"
    result = _run(
        "sign-invoice",
        str(invoice),
        "--cert",
        str(tmp_path / "c.pem"),
        "--key",
        str(tmp_path / "k.pem"),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert verify_invoice_signature(out.read_bytes()).certificate_der == identity.certificate_der


def test_bad_identities_say_why(shared_data: Path) -> None:
    invoice = str(shared_data / "facturae" / "samples" / "fawno-unsigned-factura_ejemplo.xml")
    wrong = _run(
        "--lang",
        "en",
        "sign-invoice",
        invoice,
        "--p12",
        str(shared_data / "certs" / "facturae-php-facturae.p12"),
        "--password",
        "nope",
    )
    assert wrong.returncode == 3 and b"signing_key.pkcs12_wrong_password" in wrong.stderr
    keyless = _run(
        "sign-invoice",
        invoice,
        "--p12",
        str(shared_data / "certs" / "gobl-client-without-key.p12"),
        "--password",
        "invopop",
    )
    assert keyless.returncode == 3 and b"signing_key.pkcs12_no_private_key" in keyless.stderr
    neither = _run("sign-invoice", invoice)
    assert neither.returncode == 3 and b"cli.sign_one_identity" in neither.stderr
    assert len(neither.stderr.strip().splitlines()) == 1


def test_an_output_that_cannot_be_written_is_one_line_and_leaves_nothing(
    shared_data: Path, tmp_path: Path
) -> None:
    """--out in a directory that does not exist, or naming a directory: one line with the reason
    (exit 3), no traceback, and no half-written or temporary file."""
    invoice = str(shared_data / "facturae" / "samples" / "fawno-unsigned-factura_ejemplo.xml")
    p12 = str(shared_data / "certs" / "facturae-php-facturae.p12")
    for out, reason in ((tmp_path / "missing" / "f.xsig", "No such file"), (tmp_path, "Is a directory")):
        result = _run(
            "--lang", "en", "sign-invoice", invoice, "--p12", p12, "--password", "1234", "--out", str(out)
        )
        lines = result.stderr.decode().strip().splitlines()
        assert result.returncode == 3 and len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: Cannot write {out}: {reason}"), lines[0]
        assert lines[0].endswith("[cli.file_unwritable]")
    assert list(tmp_path.iterdir()) == []


def test_a_pem_chain_signs_with_the_certificate_of_the_key(shared_data: Path, tmp_path: Path) -> None:
    """A "fullchain.pem" lists CA and leaf in either order: the signer is the certificate the key
    belongs to, the others go into KeyInfo after it; a key that belongs to none is named so."""
    invoice = str(shared_data / "facturae" / "samples" / "fawno-unsigned-factura_ejemplo.xml")
    authority = issue("autoridad", is_ca=True)
    leaf = issue("firmante", issuer=authority, tax_id="B00000018")
    (tmp_path / "chain.pem").write_bytes(authority.certificate_pem + leaf.certificate_pem)  # CA first
    (tmp_path / "k.pem").write_bytes(leaf.private_key_pem)
    result = _run(
        "sign-invoice", invoice, "--cert", str(tmp_path / "chain.pem"), "--key", str(tmp_path / "k.pem")
    )
    assert result.returncode == 0, result.stderr
    assert verify_invoice_signature(result.stdout).certificate_der == leaf.certificate_der
    tree = etree.fromstring(result.stdout)
    carried = [base64.b64decode("".join(e.text.split())) for e in tree.iter(f"{{{DS}}}X509Certificate")]
    assert carried == [leaf.certificate_der, authority.certificate_der]

    (tmp_path / "other.pem").write_bytes(issue("otro").private_key_pem)
    result = _run(
        "--lang",
        "en",
        "sign-invoice",
        invoice,
        "--cert",
        str(tmp_path / "chain.pem"),
        "--key",
        str(tmp_path / "other.pem"),
    )
    assert result.returncode == 3 and result.stdout == b"", result.stderr
    assert result.stderr.decode().strip() == (
        "error: The private key belongs to none of the 2 certificates of the PEM file "
        "[signing_key.no_certificate_for_key]"
    )


def test_only_a_facturae_invoice_is_signed(tmp_path: Path) -> None:
    """A signature on something the hub would refuse as "not Facturae" helps nobody: say so now."""
    identity = issue("firmante", tax_id="B00000018")
    (tmp_path / "c.pem").write_bytes(identity.certificate_pem)
    (tmp_path / "k.pem").write_bytes(identity.private_key_pem)
    pem = ("--cert", str(tmp_path / "c.pem"), "--key", str(tmp_path / "k.pem"))
    for content, key, says in (
        (b"<pedido><linea/></pedido>", "facturae.not_facturae", "the root element is 'pedido' (line 1)"),
        (b'<fe:Facturae xmlns:fe="urn:otra"/>', "facturae.version_unknown", "urn:otra"),
    ):
        (tmp_path / "in.xml").write_bytes(content)
        result = _run("--lang", "en", "sign-invoice", str(tmp_path / "in.xml"), *pem)
        line = result.stderr.decode().strip()
        assert result.returncode == 3 and result.stdout == b"", line
        assert line.endswith(f"[{key}]") and says in line, line
