"""The ``facturahub`` command: serve the hub, migrate, seed the sandbox and manage the registry
and the directory. Human-readable output by default, ``--json`` for scripts; on bad input a
non-zero exit code and a one-line reason on standard error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from facturahub.cli.blobs import blobs
from facturahub.cli.client import client
from facturahub.cli.context import (
    PATH,
    PORT,
    WORKERS,
    CLIContext,
    check_listening_address,
    database_failure,
    file_error,
    run_command,
    usable_directory,
)
from facturahub.cli.directory import dir3
from facturahub.cli.help_text import localise_help
from facturahub.cli.invoices import invoice
from facturahub.cli.notify import notify, worker
from facturahub.cli.output import emit
from facturahub.cli.registry import certificate, delegate, integrator, notice, platform, user
from facturahub.cli.supervisor import supervised_worker
from facturahub.cli.tools import sign_invoice
from facturahub.cli.usage import language_of_arguments, usage_text, use_language
from facturahub.config import Mode, Settings, settings_environment
from facturahub.i18n import LANGUAGES, supported_language, translate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=PATH, help="TOML settings file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--lang", default=None, callback=lambda _c, _p, v: _language(v), help="Language of messages (es, en)."
)
@click.option("--as", "as_user", default=None, metavar="NIF", help="Act as this user (default: operator).")
@click.option("--on-behalf-of", default=None, metavar="NIF", help="Integrator the user acts for.")
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: Path | None,
    as_json: bool,
    lang: str | None,
    as_user: str | None,
    on_behalf_of: str | None,
) -> None:
    """facturahub: electronic-invoice entry point."""
    ctx.obj = CLIContext(
        config_file=config_file, as_json=as_json, language=lang, as_user=as_user, on_behalf_of=on_behalf_of
    )


@cli.command()
@click.option("--host", default=None, help="Listen address (FACTURAHUB_HOST).")
@click.option("--port", type=PORT, default=None, help="Listen port (FACTURAHUB_PORT).")
@click.option(
    "--workers", type=WORKERS, default=None, help="Worker processes (FACTURAHUB_WORKERS; default: cores)."
)
@click.option(
    "--with-worker", is_flag=True, help="Also run the background worker (`facturahub worker`) until exit."
)
@click.pass_obj
def serve(
    obj: CLIContext, host: str | None, port: int | None, workers: int | None, with_worker: bool
) -> None:
    """Serve the hub over HTTP."""
    import uvicorn
    from sqlalchemy.exc import DBAPIError

    from facturahub.app import create_app
    from facturahub.services.blob_binding import bind_store
    from facturahub.services.hub_identity import load_hub_identity
    from facturahub.store.blobs import LocalBlobStore

    def action() -> None:
        settings = obj.settings(host=host, port=port, workers=workers)
        check_listening_address(settings.host, settings.port)  # before the worker starts
        environment = {**os.environ, **settings_environment(settings)}
        with supervised_worker(environment, language=obj.message_language(), enabled=with_worker):
            serve_http(settings)

    def bind_blob_directory(settings: Settings, store: LocalBlobStore) -> None:
        """Before any invoice: a directory of another database's files stops the start; a
        database that cannot be read yet (down, not migrated) is served degraded, as /health says,
        and bound at the next start."""
        database = obj.database()
        try:
            bind_store(database, store, take_over=settings.mode is Mode.SANDBOX)
        except DBAPIError as exc:
            failure = database_failure(exc, database.url)
            if failure is None:
                raise
            reason = failure.message(obj.message_language())
            click.echo(
                f"warning: {translate('blobs.not_bound_yet', obj.message_language(), reason=reason)}",
                err=True,
            )
        finally:
            database.dispose()

    def serve_http(settings: Settings) -> None:
        count = settings.effective_workers  # one per core (at most 8) unless set
        click.echo(
            f"facturahub {settings.mode.value} on {settings.effective_public_url} ({count} workers)", err=True
        )
        settings.ensure_data_dir()
        store = LocalBlobStore(settings.ensure_blob_dir())
        store.prepare()  # no request creates a shard directory
        bind_blob_directory(settings, store)
        if count == 1:
            uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
            return
        load_hub_identity(settings)  # create the sandbox identity once, before the workers race for it
        if settings.trust_store is not None:
            from facturahub.signatures.trust import load_trust_store

            load_trust_store(settings.trust_store)  # refuse a bad store here, with our message
        os.environ.update(settings_environment(settings))
        uvicorn.run(
            "facturahub.app:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=count,
            log_level="info",
        )

    run_command(obj, action)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: CLIContext) -> None:
    """Apply every pending migration."""
    from facturahub.store.migrate import current_revision, upgrade

    def action() -> None:
        database = obj.database(create=True)
        upgrade(database)
        emit(
            obj,
            {"database": database.dialect, "revision": current_revision(database)},
            text=f"database {database.dialect} at revision {current_revision(database)}",
        )

    run_command(obj, action)


@db.command("current")
@click.pass_obj
def db_current(obj: CLIContext) -> None:
    """Show the schema revision."""
    from facturahub.store.migrate import current_revision

    run_command(obj, lambda: emit(obj, {"revision": current_revision(obj.database())}))


@cli.group()
def sandbox() -> None:
    """The demo environment."""


@sandbox.command("init")
@click.option(
    "--out",
    "out_dir",
    type=PATH,
    required=True,
    help="Directory for the generated certificates and keys.",
)
@click.pass_obj
def sandbox_init(obj: CLIContext, out_dir: Path) -> None:
    """Create (idempotently) the demo supplier and registry, with certificates, and print a summary."""
    from facturahub.services.hub_identity import load_hub_identity
    from facturahub.services.sandbox import init_sandbox

    def action() -> None:
        settings = obj.settings()
        identity = load_hub_identity(settings)
        usable_directory(out_dir)
        with obj.unit_of_work() as session:
            try:
                summary = init_sandbox(session, out_dir, identity, settings.effective_public_url)
            except OSError as exc:  # a key file that cannot be read or written: nothing is created
                raise file_error("cli.file_unusable", out_dir, exc) from None
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))

    run_command(obj, action)


for group in (
    user,
    integrator,
    delegate,
    certificate,
    platform,
    dir3,
    notice,
    sign_invoice,
    client,
    notify,
    worker,
    invoice,
    blobs,
):
    cli.add_command(group)


def _language(value: str | None) -> str | None:
    try:
        return None if value is None else supported_language(value)
    except ValueError:
        languages = ", ".join(LANGUAGES)
        raise click.BadParameter(
            usage_text("cli.language_unsupported", value=repr(value), languages=languages)
        ) from None


def main() -> None:
    language = language_of_arguments(sys.argv[1:])
    use_language(language)  # click's own messages too: a usage error comes before any command runs
    localise_help(cli, language)  # and our commands' help, which --help prints while parsing
    undecodable = next((a for a in sys.argv[1:] if not _is_utf8(a)), None)
    if undecodable is not None:  # click would fail later, deep inside, with a traceback
        shown = undecodable.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        click.echo(
            f"error: {translate('cli.argument_not_utf8', language, argument=shown)} [cli.argument_not_utf8]",
            err=True,
        )
        sys.exit(3)
    cli(prog_name="facturahub")


def _is_utf8(argument: str) -> bool:
    """The shell passed bytes that are not UTF-8: Python keeps them as lone surrogates."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


if __name__ == "__main__":  # pragma: no cover
    main()
