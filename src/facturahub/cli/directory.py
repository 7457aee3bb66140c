"""CLI commands for the DIR3 directory."""

from __future__ import annotations

import contextlib
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from facturahub.cli import views
from facturahub.cli.context import PATH, CLIContext, read_input, run_command
from facturahub.cli.output import emit, emit_table
from facturahub.domain.directory import AdministrationConflict, parse_directory_csv
from facturahub.i18n import translate
from facturahub.services import directory

pass_obj = click.make_pass_decorator(CLIContext)
SHOWN_CODES = 20  # deactivated codes listed in text output (--json lists them all)


@click.group()
def dir3() -> None:
    """The DIR3 directory of administrations, units and OG-UT-OC relations."""


@dir3.command("import")
@click.argument("file", type=PATH)
@click.option("--partial", is_flag=True, help="Only add and update; do not deactivate what the file lacks.")
@click.option(
    "--force",
    is_flag=True,
    help="Deactivate what the file lacks even when that is more than 10% of the directory.",
)
@pass_obj
def dir3_import(obj: CLIContext, file: Path, partial: bool, force: bool) -> None:
    """Load a directory CSV and report what changed."""

    def action() -> None:
        snapshot = parse_directory_csv(read_input(file))
        with obj.unit_of_work() as session:
            actor = obj.actor(session)
        with contextlib.ExitStack() as stack:
            bars: list[Any] = []

            def progress(written: int, total: int) -> None:  # the bar once the writes are known
                if not bars:
                    shown = None if not obj.as_json else io.StringIO()
                    bars.append(
                        stack.enter_context(
                            click.progressbar(length=total, label="importing", file=shown, show_pos=True)
                        )
                    )
                bars[0].update(written)

            report = directory.import_directory(
                obj.database(),
                actor,
                snapshot,
                full=not partial,
                progress=progress,
                source=str(file),
                force=force,
            )
        summary = report.as_dict()
        summary["changed"] = report.changed
        conflicts = list(snapshot.administration_conflicts.values())
        if obj.as_json:
            summary["administration_conflicts"] = [asdict(conflict) for conflict in conflicts]
        else:
            summary["administration_conflicts"] = len(conflicts)
            _warn_administration_conflicts(obj, conflicts)
        summary["units_deactivated_codes"] = report.units_deactivated
        if not obj.as_json and len(report.units_deactivated) > SHOWN_CODES:  # counts, not pages of codes
            hidden = len(report.units_deactivated) - SHOWN_CODES
            summary["units_deactivated_codes"] = [*report.units_deactivated[:SHOWN_CODES], f"… (+{hidden})"]
        emit(obj, summary)

    run_command(obj, action)


def _warn_administration_conflicts(obj: CLIContext, conflicts: list[AdministrationConflict]) -> None:
    """One line on stderr per unit a line placed under a second administration (at most
    ``SHOWN_CODES``; ``--json`` lists them all)."""
    language = obj.message_language()
    for conflict in conflicts[:SHOWN_CODES]:
        click.echo(translate("directory.administration_conflict", language, **asdict(conflict)), err=True)
    if len(conflicts) > SHOWN_CODES:
        click.echo(f"… (+{len(conflicts) - SHOWN_CODES})", err=True)


@dir3.command("units")
@click.option("--administration", help="Only the units of this administration.")
@click.option("--all", "include_inactive", is_flag=True, help="Include inactive units.")
@pass_obj
def dir3_units(obj: CLIContext, administration: str | None, include_inactive: bool) -> None:
    """List units."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [
                views.unit_view(u)
                for u in directory.list_units(
                    session, administration=administration, active_only=not include_inactive
                )
            ]
            emit_table(obj, rows, ["code", "name", "kind", "administration", "active"], empty="no units")

    run_command(obj, action)


@dir3.command("relations")
@click.option("--administration")
@click.option("--office", "offices", multiple=True)
@click.option("--all", "include_inactive", is_flag=True)
@pass_obj
def dir3_relations(
    obj: CLIContext, administration: str | None, offices: tuple[str, ...], include_inactive: bool
) -> None:
    """List OG-UT-OC relations."""

    def action() -> None:
        with obj.unit_of_work() as session:
            found = directory.list_relations(
                session,
                administration=administration,
                offices=list(offices) or None,
                active_only=not include_inactive,
            )
            emit_table(
                obj,
                [views.relation_view(r) for r in found],
                ["oficina_contable", "organo_gestor", "unidad_tramitadora", "active"],
                empty="no relations",
            )

    run_command(obj, action)


@dir3.command("unit")
@click.argument("code")
@pass_obj
def dir3_unit(obj: CLIContext, code: str) -> None:
    """Show one unit."""

    def action() -> None:
        with obj.unit_of_work() as session:
            emit(obj, views.unit_view(directory.get_unit(session, code)))

    run_command(obj, action)
