"""Tools for integrators: sign a Facturae invoice (XAdES-EPES, Facturae policy)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from facturahub.cli.context import PATH, CLIContext, read_input, run_command, signing_identity, write_output
from facturahub.errors import InvalidInput, SecurityError
from facturahub.facturae.versions import detect_version
from facturahub.signatures.xades_sign import sign_invoice as sign
from facturahub.signatures.xml import parse_xml

pass_obj = click.make_pass_decorator(CLIContext)


@click.command("sign-invoice")
@click.argument("invoice", type=PATH)
@click.option("--p12", type=PATH, help="PKCS#12 (.p12/.pfx) with certificate and key.")
@click.option("--password", default=None, help="Password of the PKCS#12 or of the PEM key.")
@click.option("--cert", type=PATH, help="PEM certificate (with --key).")
@click.option("--key", type=PATH, help="PEM private key (with --cert).")
@click.option(
    "--algorithm",
    type=click.Choice(["rsa-sha256", "rsa-sha512", "rsa-sha1"]),
    default="rsa-sha256",
    show_default=True,
)
@click.option("--out", type=PATH, help="Write here instead of standard output.")
@pass_obj
def sign_invoice(
    obj: CLIContext,
    invoice: Path,
    p12: Path | None,
    password: str | None,
    cert: Path | None,
    key: Path | None,
    algorithm: str,
    out: Path | None,
) -> None:
    """Sign INVOICE (Facturae XML) with XAdES-EPES and the Facturae signature policy."""

    def action() -> None:
        certificate, private_key, chain = signing_identity(p12, cert, key, password)
        document = read_input(invoice)
        try:
            # a Facturae of a version we take, or a signature the hub would refuse for its root
            detect_version(parse_xml(document))
            signed = sign(document, certificate, private_key, chain=chain, algorithm=algorithm)
        except SecurityError as exc:  # the hardened parser refused the file (a DOCTYPE, not XML)
            raise InvalidInput(exc.key, **exc.params) from None
        if out is not None:
            write_output(out, signed)
        else:
            sys.stdout.buffer.write(signed)
            sys.stdout.buffer.flush()

    run_command(obj, action)
