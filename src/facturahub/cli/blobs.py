"""``facturahub blobs …``: the blob store, for operators."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import click

from facturahub.cli.context import GRACE_HOURS, CLIContext, run_command
from facturahub.cli.output import emit


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
        done = collect_blobs(obj.database(), store, grace=timedelta(hours=grace_hours), dry_run=dry_run)
        figures = asdict(done)
        verb = "would remove" if dry_run else "removed"
        text = (
            f"{done.examined} blobs examined: {done.referenced} referenced, {done.recent} recent; "
            f"{verb} {done.removed} ({done.removed_bytes} bytes) and {done.temporaries_removed} "
            f"temporary files; {done.kept_at_last_look} kept at the last look, "
            f"{done.restored_from_interrupted} put back from an interrupted collection"
        )
        emit(obj, figures, text=text)

    run_command(obj, action)
