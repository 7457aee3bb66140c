"""`facturahub sign-invoice`: output our verifier accepts, precise errors for bad identities."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from facturahub.signatures.certgen import issue
from facturahub.signatures.xades import verify_invoice_signature

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
