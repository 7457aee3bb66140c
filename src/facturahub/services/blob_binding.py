"""A database and the blob directory that holds its invoices' files know each other by one id,
kept in both: the ``blob_store_binding`` row and the directory's marker file
(``LocalBlobStore.MARKER``).

* :func:`bind_store` — ``facturahub serve`` at start, and ``facturahub blobs bind``: writes the id
  where it is missing. A new pair gets a new id; a directory without a marker takes the database's
  id (a new directory, or one copied without its dot files); a database without an id takes the
  directory's when it holds invoices (a hub that ran before the binding existed, a backup taken
  before it). A database **without a single invoice** beside a directory that already belongs to
  another database is refused in production (``blobs.store_taken``): serving it
  would mix two hubs' files. The sandbox takes the directory over, saying so in the log (a
  developer who deleted the database file and kept ``var/blobs``).
* :func:`require_binding` — ``blobs collect``, before anything is removed: both ids present and
  equal, or a precise refusal (``blobs.store_not_bound``, ``blobs.store_of_another_database``).
* :func:`refuse_foreign` — ``blobs verify``: refused only when both ids exist and differ.
* Two ids that differ are always refused.

Concurrent starts (several nodes) converge: the row is written only if absent, then the marker
only if absent, and each is read back after its write. The row comes first, so a marker without
its row always belongs to another database (or to a backup taken before the binding), never to a
bind of this same pair still under way.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facturahub.errors import ConfigurationError
from facturahub.i18n import register_messages
from facturahub.store.blobs import LocalBlobStore, MarkerUnreadable
from facturahub.store.database import Database, safe_url
from facturahub.store.models import BlobStoreBinding, Invoice
from facturahub.system_errors import system_reason

log = logging.getLogger("facturahub.blobs")


def database_store_id(database: Database) -> str | None:
    with database.reading() as session:
        return session.scalar(select(BlobStoreBinding.store_id))


def bind_store(database: Database, blobs: LocalBlobStore, *, take_over: bool = False) -> str:
    """Bind (see the module docstring); ``take_over``: a database without invoices may take a
    directory that belongs to another one (the sandbox). Returns the id."""
    bound = database_store_id(database)
    marked = _marker(blobs)
    if bound is not None and marked is not None:
        return _same(database, blobs, bound, marked)
    if bound is not None:
        return _same(database, blobs, bound, _claim(blobs, bound))
    if marked is not None and not _has_invoices(database):
        if not take_over:
            raise ConfigurationError(
                "blobs.store_taken", directory=str(blobs.root), marked=marked, database=safe_url(database.url)
            )
        log.warning(
            "the blob directory %s belonged to another database (store %s): %s, which holds no invoice, "
            "takes it over",
            blobs.root,
            marked,
            safe_url(database.url),
        )
    bound = _record(database, marked or str(uuid.uuid4()))  # the row first: see the docstring
    return _same(database, blobs, bound, marked or _claim(blobs, bound))


def require_binding(database: Database, blobs: LocalBlobStore) -> str:
    """The pair's id when database and directory are bound to each other; else a refusal."""
    bound, marked = database_store_id(database), _marker(blobs)
    if bound is None or marked is None:
        raise ConfigurationError(
            "blobs.store_not_bound",
            database=safe_url(database.url),
            directory=str(blobs.root),
            missing=f"{blobs.root}/.facturahub-store" if marked is None else "blob_store_binding",
        )
    return _same(database, blobs, bound, marked)


def refuse_foreign(database: Database, blobs: LocalBlobStore) -> None:
    """``blobs verify``: only a pair bound to two different ids is refused (reading is harmless)."""
    bound, marked = database_store_id(database), _marker(blobs)
    if bound is not None and marked is not None:
        _same(database, blobs, bound, marked)


def _marker(blobs: LocalBlobStore) -> str | None:
    try:
        return blobs.store_id()
    except MarkerUnreadable as exc:
        path, reason = exc.args
        raise ConfigurationError("blobs.store_marker_unreadable", path=path, detail=reason) from None


def _claim(blobs: LocalBlobStore, candidate: str) -> str:
    try:
        return blobs.claim_store_id(candidate)
    except OSError as exc:
        path = str(exc.filename or blobs.root)
        raise ConfigurationError("blobs.store_unusable", path=path, detail=system_reason(exc)) from exc


def _record(database: Database, store_id: str) -> str:
    """Insert the row unless another process did; the row's id either way."""
    try:
        with database.unit_of_work() as session:
            session.add(BlobStoreBinding(id=1, store_id=store_id))
    except IntegrityError:
        pass
    found = database_store_id(database)
    assert found is not None
    return found


def _same(database: Database, blobs: LocalBlobStore, bound: str, marked: str) -> str:
    if bound != marked:
        raise _another(database, blobs, marked, bound)
    return bound


def _another(database: Database, blobs: LocalBlobStore, marked: str, bound: str) -> ConfigurationError:
    return ConfigurationError(
        "blobs.store_of_another_database",
        directory=str(blobs.root),
        marked=marked,
        database=safe_url(database.url),
        bound=bound,
    )


def _has_invoices(database: Database) -> bool:
    with database.reading() as session:
        return session.scalar(select(Invoice.id).limit(1)) is not None


register_messages(
    {
        "blobs.store_not_bound": {
            "es": "La base de datos {database} y el directorio de blobs {directory} no están vinculados "
            "(falta {missing}): arranque el hub una vez (facturahub serve) o ejecute "
            "«facturahub blobs bind» con su configuración; nada se ha eliminado",
            "en": "The database {database} and the blob directory {directory} are not bound to each "
            "other ({missing} is missing): start the hub once (facturahub serve) or run "
            "'facturahub blobs bind' with its settings; nothing was removed",
        },
        "blobs.store_of_another_database": {
            "es": "El directorio de blobs {directory} pertenece a otra base de datos (almacén {marked}); "
            "{database} es la del almacén {bound}. Compruebe FACTURAHUB_DATABASE_URL y "
            "FACTURAHUB_BLOB_DIR; si el directorio guarda de verdad las facturas de esta base de datos, "
            "borre {directory}/.facturahub-store y vuelva a empezar",
            "en": "The blob directory {directory} belongs to another database (store {marked}); "
            "{database} is store {bound}'s. Check FACTURAHUB_DATABASE_URL and FACTURAHUB_BLOB_DIR; if the "
            "directory really holds this database's invoices, delete {directory}/.facturahub-store and "
            "start again",
        },
        "blobs.store_taken": {
            "es": "El directorio de blobs {directory} ya guarda los ficheros de otra base de datos "
            "(almacén {marked}), y {database} no tiene ninguna factura: parece la base de datos "
            "equivocada. Compruebe FACTURAHUB_DATABASE_URL y FACTURAHUB_BLOB_DIR; un hub nuevo necesita "
            "su propio directorio de blobs",
            "en": "The blob directory {directory} already holds another database's files (store "
            "{marked}), and {database} has no invoice: it looks like the wrong database. Check "
            "FACTURAHUB_DATABASE_URL and FACTURAHUB_BLOB_DIR; a new hub needs its own blob directory",
        },
        "blobs.not_bound_yet": {
            "es": "el directorio de blobs no se ha vinculado a la base de datos ({reason}); se vinculará "
            "en el próximo arranque",
            "en": "the blob directory was not bound to the database ({reason}); it will be at the next start",
        },
        "blobs.store_marker_unreadable": {
            "es": "No se puede leer la marca del almacén de blobs {path}: {detail}",
            "en": "Cannot read the blob store's marker {path}: {detail}",
        },
    }
)
