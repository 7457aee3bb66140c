"""``facturahub invoice …``: operators' view of registered invoices."""

from __future__ import annotations

from typing import Any

import click

from facturahub.cli.context import CLIContext, run_command
from facturahub.cli.output import emit


@click.group()
def invoice() -> None:
    """Registered invoices."""


@invoice.command("show")
@click.argument("registry_number")
@click.pass_obj
def invoice_show(obj: CLIContext, registry_number: str) -> None:
    """Print an invoice's parties, centres, files, notifications and full history."""
    from facturahub.services.invoice_record import invoice_record

    def action() -> None:
        with obj.unit_of_work() as session:
            record = invoice_record(session, obj.actor(session), registry_number)
        emit(obj, record, text=render(record))

    run_command(obj, action)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "-"


def render(record: dict[str, Any]) -> str:
    data, parties, status = record["invoice"], record["parties"], record["status"]
    series = f"{data['series']}-" if data["series"] else ""
    lines = [
        f"Invoice {record['registry_number']}  ({series}{data['number']} of {data['issue_date']}, "
        f"{data['total']} {data['currency']}, Facturae {data['facturae_version']})",
        f"  received     {_when(record['received_at'])} via {record['profile']} "
        f"platform {record['platform']} (tracking {record['tracking_id']})",
        f"  issuer       {parties['issuer_tax_id']}  {parties['issuer_name']}",
        f"  buyer        {parties['buyer_tax_id']}",
        f"  e-mail       {parties['email'] or '-'}",
        f"  processing   {status['processing']['code']} {status['processing']['name']}",
        f"  cancellation {status['cancellation']['code']} {status['cancellation']['name']}",
        f"  RCF code     {status['rcf_code'] or '-'}",
        f"  signed       {_when(record['signature']['signing_time'])} "
        f"(certificate sha256 {record['signature']['certificate_sha256']})",
        "Centres",
    ]
    for role, unit in record["centres"].items():
        lines.append(f"  {role:<19} {unit['code']}  {unit['name'] or '(not in the directory)'}")
    lines.append("Files")
    for item in record["files"]:
        lines.append(
            f"  {item['role']:<9} {item['name']}  {item['mime']}, {item['size']} bytes, "
            f"sha256 {item['sha256']}"
        )
    lines.append("History")
    for entry in record["history"]:
        reason = f"  — {entry['reason']}" if entry["reason"] else ""
        lines.append(
            f"  {_when(entry['at'])}  {entry['flow']:<12} {entry['code']} {entry['name']}  "
            f"by {entry['actor']}{reason}"
        )
    lines.append("Notifications")
    if not record["notifications"]:
        lines.append("  -")
    for row in record["notifications"]:
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        lines.append(
            f"  #{row['id']} {row['channel']} to {row['target']}: {row['state']} "
            f"after {row['attempts']} attempt(s){error}"
        )
    return "\n".join(lines)
