"""``facturahub client …``: signed SOAP to any FACe- or eFACT-compatible suppliers' service (ours or
the public ones). Every subcommand takes the connection options (``--endpoint``, the signing
identity, ``--server-cert``, ``--profile``), also readable from ``FACTURAHUB_CLIENT_*`` variables.

Output: the response as text, or as JSON with ``--json``. Exit codes besides the usual ones (3
invalid input): 10 ``resultado/codigo`` ≠ 0, 11 SOAP Fault, 12 the response's signature does not
verify with ``--server-cert``, 13 no usable answer (unreachable, unreadable WSDL or response).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from cryptography import x509

from facturahub.cli.context import (
    PATH,
    SECONDS,
    CLIContext,
    file_error,
    read_input,
    run_command,
    signing_identity,
    usable_directory,
)
from facturahub.cli.output import render_record
from facturahub.client import calls, downloads
from facturahub.client.calls import Connection, ServiceProfile
from facturahub.client.errors import (
    BusinessError,
    ClientError,
    RemoteFault,
    ResponseNotVerified,
    TransportFailure,
)
from facturahub.errors import InvalidInput
from facturahub.i18n import translate

pass_obj = click.make_pass_decorator(CLIContext)

EXIT_CODES: dict[type[ClientError], int] = {
    BusinessError: 10,
    RemoteFault: 11,
    ResponseNotVerified: 12,
    TransportFailure: 13,
}

_ENV = "FACTURAHUB_CLIENT_"


def _path_option(name: str, help_text: str) -> Callable[[Any], Any]:
    return click.option(
        name,
        type=PATH,
        envvar=_ENV + name[2:].upper().replace("-", "_"),
        help=help_text,
    )


_CONNECTION_OPTIONS = (
    click.option(
        "--endpoint",
        required=True,
        metavar="URL",
        envvar=_ENV + "ENDPOINT",
        help="Service address; its WSDL is read from URL?wsdl.",
    ),
    click.option("--wsdl", metavar="URL", envvar=_ENV + "WSDL", help="WSDL location, when not at URL?wsdl."),
    click.option(
        "--profile",
        type=click.Choice([p.value for p in ServiceProfile]),
        default=ServiceProfile.FACE.value,
        show_default=True,
        envvar=_ENV + "PROFILE",
        help="Protocol profile of the service.",
    ),
    _path_option("--cert", "PEM certificate that signs the requests (with --key)."),
    _path_option("--key", "PEM private key (with --cert)."),
    _path_option("--p12", "PKCS#12 (.p12/.pfx) with certificate and key, instead of --cert/--key."),
    click.option(
        "--password",
        default=None,
        envvar=_ENV + "PASSWORD",
        help="Password of the PKCS#12 or of the PEM key (or FACTURAHUB_CLIENT_PASSWORD).",
    ),
    _path_option("--server-cert", "The service's certificate (PEM or DER): responses are verified with it."),
    click.option(
        "--timeout", type=SECONDS, default=60.0, show_default=True, help="Seconds per HTTP request."
    ),
    click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text."),
)


def connection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_CONNECTION_OPTIONS):
        function = option(function)
    return function


# --- connection -----------------------------------------------------------------------------------


def _server_certificate(path: Path) -> x509.Certificate:
    data = read_input(path)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise InvalidInput("client.server_cert_unreadable", path=str(path), detail=str(exc)) from None


def _connect(obj: CLIContext, command: str, options: dict[str, Any]) -> Connection:
    """Check the options and build the connection (nothing is sent yet)."""
    if options.pop("as_json"):
        obj.as_json = True
    profile = ServiceProfile(options["profile"])
    if command not in calls.COMMANDS[profile]:
        other = next(p for p in ServiceProfile if p is not profile and command in calls.COMMANDS[p])
        raise InvalidInput(
            "client.operation_not_in_profile", command=command, profile=profile.value, other=other.value
        )
    certificate, private_key, _chain = signing_identity(
        options["p12"], options["cert"], options["key"], options["password"]
    )
    cert_pem, key_pem = calls.signing_pems(certificate, private_key)
    server_certificate = None
    if options["server_cert"] is not None:
        server_certificate = _server_certificate(options["server_cert"])
    connection = Connection(  # checks the addresses
        endpoint=options["endpoint"],
        cert_pem=cert_pem,
        key_pem=key_pem,
        profile=profile,
        server_certificate=server_certificate,
        wsdl=options["wsdl"],
        timeout=options["timeout"],
    )
    if server_certificate is None:
        click.echo(translate("client.unverified_warning", obj.message_language()), err=True)
    return connection


def _run(obj: CLIContext, action: Callable[[], None]) -> None:
    """Like :func:`run_command`, with the remote errors' own exit codes; with ``--json`` the
    refused response (or the fault) is still printed on standard output."""

    def guarded() -> None:
        try:
            action()
        except ClientError as exc:
            if obj.as_json and isinstance(exc, BusinessError):
                _json(exc.response)
            elif obj.as_json and isinstance(exc, RemoteFault):
                _json({"fault": exc.as_dict()})
            message = exc.message(obj.message_language())
            click.echo(f"error: {' '.join(message.split())} [{exc.key}]", err=True)
            sys.exit(next(code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)))

    run_command(obj, guarded)


def _save(directory: Path, feedback: downloads.Feedback) -> Path:
    try:
        return downloads.save(usable_directory(directory), feedback)
    except OSError as exc:  # not confirmed: what was not saved stays pending on the service
        raise file_error("cli.file_unusable", directory, exc) from None


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _show(obj: CLIContext, response: dict[str, Any], text: Callable[[], str]) -> None:
    if obj.as_json:
        _json(response)
    else:
        click.echo(text())


# --- views ----------------------------------------------------------------------------------------


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _resultado(response: dict[str, Any]) -> dict[str, Any]:
    resultado = response.get("resultado") or {}
    return {
        "resultado": f"{_s(resultado.get('codigo'))} {_s(resultado.get('descripcion'))}".strip(),
        "codigoSeguimiento": resultado.get("codigoSeguimiento"),
    }


def _state(value: Any) -> str:
    if not isinstance(value, dict) or not value.get("codigo"):
        return ""
    text = f"{_s(value.get('codigo'))} {_s(value.get('descripcion'))}".strip()
    return f"{text} — {value['motivo']}" if value.get("motivo") else text


def _unit(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return f"{_s(value.get('codigo'))} {_s(value.get('nombre'))}".strip()


def _table(rows: list[dict[str, Any]], columns: list[str], empty: str) -> str:
    """Aligned columns, as ``emit_table`` prints them (the JSON form is the response itself)."""
    if not rows:
        return empty
    cells = [[_s(row.get(column)) or "-" for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    lines = ["  ".join(column.upper().ljust(widths[i]) for i, column in enumerate(columns)).rstrip()]
    lines.extend("  ".join(value.ljust(widths[i]) for i, value in enumerate(line)).rstrip() for line in cells)
    return "\n".join(lines)


# --- commands -------------------------------------------------------------------------------------


@click.group()
def client() -> None:
    """Talk signed SOAP to a FACe- or eFACT-compatible suppliers' service (ours or the public ones).

    \b
    Exit codes: 0 ok; 3 invalid input; 10 resultado/codigo ≠ 0; 11 SOAP Fault;
    12 response signature not verified with --server-cert; 13 no usable answer.
    """


@client.command("send")
@click.argument("invoice", type=PATH)
@click.option("--email", default=None, help="correo: where the service mails status changes.")
@click.option(
    "--attachment",
    "attachments",
    multiple=True,
    metavar="FILE[:MIME]",
    help="An attachment (repeatable); the MIME type is guessed from the extension when omitted.",
)
@connection_options
@pass_obj
def send_command(
    obj: CLIContext, /, invoice: Path, email: str | None, attachments: tuple[str, ...], **options: Any
) -> None:
    """Send INVOICE (a signed Facturae, .xsig) — enviarFactura."""

    def action() -> None:
        connection = _connect(obj, "send", options)
        files = [_attachment(item, connection.profile) for item in attachments]
        response = calls.send(connection, read_input(invoice), calls.invoice_file_name(invoice), email, files)

        def text() -> str:
            factura = response.get("factura") or {}
            return render_record({**_resultado(response), **factura})

        _show(obj, response, text)

    _run(obj, action)


def _attachment(spec: str, profile: ServiceProfile) -> calls.Attachment:
    name, separator, mime = spec.rpartition(":")
    if separator and "/" in mime and name:
        path = Path(name)
    else:
        path, mime = Path(spec), calls.attachment_mime(Path(spec), profile)
    return calls.Attachment(name=path.name, mime=mime, data=read_input(path))


@client.command("status")
@click.argument("number")
@connection_options
@pass_obj
def status_command(obj: CLIContext, /, number: str, **options: Any) -> None:
    """Processing and cancellation status of one invoice — consultarFactura."""

    def action() -> None:
        response = calls.status(_connect(obj, "status", options), number)

        def text() -> str:
            factura = response.get("factura") or {}
            record = {
                **_resultado(response),
                "numeroRegistro": factura.get("numeroRegistro"),
                "tramitacion": _state(factura.get("tramitacion")),
                "anulacion": _state(factura.get("anulacion")),
            }
            extra = {k: v for k, v in (response.get("resultado") or {}).items() if k not in _RESULTADO_FIELDS}
            return render_record({**record, **extra})

        _show(obj, response, text)

    _run(obj, action)


_RESULTADO_FIELDS = frozenset({"codigo", "descripcion", "codigoSeguimiento"})


@client.command("status-list")
@click.argument("numbers", nargs=-1, required=True)
@connection_options
@pass_obj
def status_list_command(obj: CLIContext, /, numbers: tuple[str, ...], **options: Any) -> None:
    """Status of several invoices (up to 500) — consultarListadoFacturas."""

    def action() -> None:
        response = calls.status_list(_connect(obj, "status-list", options), list(numbers))

        def text() -> str:
            rows = []
            for item in calls.items(response.get("facturas"), "consultarListadoFactura"):
                factura = item.get("factura") or {}
                ok = calls.is_ok(_s(item.get("codigo")))
                rows.append(
                    {
                        "numeroRegistro": factura.get("numeroRegistro"),
                        "codigo": item.get("codigo"),
                        "tramitacion": _state(factura.get("tramitacion")) if ok else "",
                        "anulacion": _state(factura.get("anulacion")) if ok else "",
                        "descripcion": "" if ok else item.get("descripcion"),
                    }
                )
            columns = ["numeroRegistro", "codigo", "tramitacion", "anulacion", "descripcion"]
            return _table(rows, columns, "(no invoices)")

        _show(obj, response, text)

    _run(obj, action)


@client.command("cancel")
@click.argument("number")
@click.option("--reason", required=True, help="motivo (up to 255 characters).")
@connection_options
@pass_obj
def cancel_command(obj: CLIContext, /, number: str, reason: str, **options: Any) -> None:
    """Ask for the cancellation of an invoice — anularFactura."""

    def action() -> None:
        response = calls.cancel(_connect(obj, "cancel", options), number, reason)
        _show(
            obj, response, lambda: render_record({**_resultado(response), **(response.get("factura") or {})})
        )

    _run(obj, action)


@client.command("states")
@connection_options
@pass_obj
def states_command(obj: CLIContext, /, **options: Any) -> None:
    """The status codes the service uses — consultarEstados."""

    def action() -> None:
        response = calls.states(_connect(obj, "states", options))
        rows = calls.items(response.get("estados"), "estado")
        _show(obj, response, lambda: _table(rows, ["codigo", "nombre", "descripcion"], "(no states)"))

    _run(obj, action)


@client.command("units")
@click.option("--administration", default=None, metavar="CODE", help="Only this administration's DIR3 units.")
@connection_options
@pass_obj
def units_command(obj: CLIContext, /, administration: str | None, **options: Any) -> None:
    """OG-UT-OC relations that accept invoices — consultarUnidades[PorAdministracion]."""

    def action() -> None:
        response = calls.units(_connect(obj, "units", options), administration)
        rows = [
            {
                "organoGestor": _unit(item.get("organoGestor")),
                "unidadTramitadora": _unit(item.get("unidadTramitadora")),
                "oficinaContable": _unit(item.get("oficinaContable")),
            }
            for item in calls.items(response.get("relaciones"), "relacion")
        ]
        columns = ["organoGestor", "unidadTramitadora", "oficinaContable"]
        _show(obj, response, lambda: _table(rows, columns, "(no units)"))

    _run(obj, action)


@client.command("download-status")
@click.option("--issuer", required=True, metavar="NIF", help="identificadorEmisor: the issuer's tax id.")
@click.option("--out", type=PATH, help="Download every pending document into DIR.")
@click.option("--mark", is_flag=True, help="Confirm each document once saved (needs --out).")
@connection_options
@pass_obj
def download_status_command(
    obj: CLIContext, /, issuer: str, out: Path | None, mark: bool, **options: Any
) -> None:
    """eFACT status downloads: list the pending status documents of an issuer; with --out, save each
    as DIR/<DocId>.xml (DeliveryFeedback); with --mark, confirm each one after it is saved.

    \b
    solicitudDescargasEstados → peticionDescargasEstados (opcionMarcado=N)
    → confirmacionDescargasEstados
    """

    def action() -> None:
        if mark and out is None:
            raise InvalidInput("client.mark_needs_out")
        connection = _connect(obj, "download-status", options)
        index = downloads.pending(connection, issuer)
        saved: list[dict[str, Any]] = []
        if out is not None:
            for document in index:
                feedback = downloads.fetch(connection, issuer, document.doc_id)
                path = _save(out, feedback)
                if mark:
                    downloads.confirm(connection, issuer, document.doc_id)
                saved.append({**feedback.summary(), "file": str(path), "marked": mark})
        if obj.as_json:
            _json({"issuer": issuer, "pending": [d.as_dict() for d in index], "downloaded": saved})
        elif out is None:
            columns = ["DocId", "DocNumber", "DocDate", "Buyer", "BuyerDeptCode", "DocProcessingDate"]
            click.echo(_table([d.as_dict() for d in index], columns, "(no pending status documents)"))
        else:
            columns = ["DocId", "InvoiceId", "StatusCode", "Status", "StatusDate", "marked", "file"]
            click.echo(_table(saved, columns, "(no pending status documents)"))

    _run(obj, action)
