"""``facturahub blobs …``: the blob store, for operators."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import click

from facturahub.cli.context import GRACE_HOURS, CLIContext, run_command
from facturahub.cli.output import emit
from facturahub.config import Mode
from facturahub.errors import StorageUnavailable
from facturahub.i18n import register_messages, translate


@click.group()
def blobs() -> None:
    """Stored invoice files and attachments."""


@blobs.command("collect")
@click.option(
    "--grace-hours",
    type=GRACE_HOURS,
    default=24,
    show_default=True,
    help="Leave alone blobs written or reused more recently than this.",
)
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
@click.pass_obj
def blobs_collect(obj: CLIContext, grace_hours: int, dry_run: bool) -> None:
    """Remove blobs that no invoice references (left by refused invoices) and stale temporaries."""
    from facturahub.services.blob_collector import collect_blobs
    from facturahub.store.blobs import LocalBlobStore

    def action() -> None:
        settings = obj.settings()
        store = LocalBlobStore(settings.ensure_blob_dir())
        done = collect_blobs(
            obj.database(),
            store,
            grace=timedelta(hours=grace_hours),
            dry_run=dry_run,
        )
        figures = asdict(done)
        text = translate(
            "blobs.would_collect" if dry_run else "blobs.collected",
            obj.message_language(),
            **{name: value for name, value in figures.items() if name != "removed_digests"},
        )
        emit(obj, figures, text=text)

    run_command(obj, action)


@blobs.command("bind")
@click.pass_obj
def blobs_bind(obj: CLIContext) -> None:
    """Bind the blob directory and the database to each other, as `facturahub serve` does at start.

    `blobs collect` removes files only from a directory bound to its database. Run this where the
    hub is never served with these settings (a node that only runs maintenance jobs)."""
    from facturahub.services.blob_binding import bind_store
    from facturahub.store.blobs import LocalBlobStore

    def action() -> None:
        settings = obj.settings()
        store = LocalBlobStore(settings.ensure_blob_dir())
        store_id = bind_store(obj.database(), store, take_over=settings.mode is Mode.SANDBOX)
        text = translate("blobs.bound", obj.message_language(), directory=str(store.root), store=store_id)
        emit(obj, {"store_id": store_id, "directory": str(store.root)}, text=text)

    run_command(obj, action)


@blobs.command("verify")
@click.pass_obj
def blobs_verify(obj: CLIContext) -> None:
    """Read back every file a registered invoice references and check it against its digest.

    Missing or damaged files are listed by registry number (exit code 8): restore them from a
    backup before a registry downloads those invoices."""
    from facturahub.services.blob_check import verify_blobs
    from facturahub.store.blobs import LocalBlobStore

    def action() -> None:
        settings = obj.settings()
        done = verify_blobs(obj.database(), LocalBlobStore(settings.ensure_blob_dir()))
        language = obj.message_language()
        missing = sum(1 for damage in done.damage if damage.problem == "missing")
        lines = [
            translate(
                "blobs.verified",
                language,
                invoices=done.invoices,
                files=done.files,
                bytes=done.bytes,
                missing=missing,
                damaged=len(done.damage) - missing,
            ),
            *(
                translate(
                    f"blobs.file_{damage.problem}",
                    language,
                    number=damage.registry_number,
                    file=damage.file,
                    name=damage.name,
                    sha256=damage.sha256,
                )
                for damage in done.damage
            ),
        ]
        emit(obj, asdict(done), text="\n".join(lines))
        if done.damage:
            numbers = sorted({damage.registry_number for damage in done.damage})
            raise StorageUnavailable("blobs.invoices_damaged", count=len(numbers), numbers=", ".join(numbers))

    run_command(obj, action)


register_messages(
    {
        "blobs.collected": {
            "es": "{examined} blobs examinados: {referenced} referenciados, {recent} recientes; "
            "{removed} eliminados ({removed_bytes} bytes) y {temporaries_removed} ficheros temporales; "
            "{kept_at_last_look} conservados en la última comprobación, {restored_from_interrupted} "
            "devueltos de una recogida interrumpida",
            "en": "{examined} blobs examined: {referenced} referenced, {recent} recent; "
            "removed {removed} ({removed_bytes} bytes) and {temporaries_removed} temporary files; "
            "{kept_at_last_look} kept at the last look, {restored_from_interrupted} put back from an "
            "interrupted collection",
        },
        "blobs.would_collect": {
            "es": "{examined} blobs examinados: {referenced} referenciados, {recent} recientes; "
            "se eliminarían {removed} ({removed_bytes} bytes) y {temporaries_removed} ficheros temporales",
            "en": "{examined} blobs examined: {referenced} referenced, {recent} recent; "
            "would remove {removed} ({removed_bytes} bytes) and {temporaries_removed} temporary files",
        },
        "blobs.bound": {
            "es": "El directorio de blobs {directory} y la base de datos están vinculados (almacén {store})",
            "en": "The blob directory {directory} and the database are bound to each other (store {store})",
        },
        "blobs.verified": {
            "es": "{invoices} facturas comprobadas, {files} ficheros ({bytes} bytes): "
            "{missing} perdidos, {damaged} dañados",
            "en": "{invoices} invoices checked, {files} files ({bytes} bytes): {missing} missing, "
            "{damaged} damaged",
        },
        "blobs.file_missing": {
            "es": "{number}: falta el fichero ({file}) «{name}», {sha256}",
            "en": "{number}: the file ({file}) '{name}' is missing, {sha256}",
        },
        "blobs.file_damaged": {
            "es": "{number}: el fichero ({file}) «{name}» está dañado, {sha256}",
            "en": "{number}: the file ({file}) '{name}' is damaged, {sha256}",
        },
        "blobs.invoices_damaged": {
            "es": "{count} facturas registradas han perdido ficheros o los tienen dañados ({numbers}): "
            "restáurelos desde una copia de seguridad",
            "en": "{count} registered invoices have lost or damaged files ({numbers}): restore them "
            "from a backup",
        },
    }
)
