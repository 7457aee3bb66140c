"""The ASGI application: one process serves every face (SOAP, REST, portal) and ``/health``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from facturahub import __version__
from facturahub.config import Settings, load_settings
from facturahub.jobs.queue import attach_job_queue
from facturahub.services import worker_heartbeats
from facturahub.services.hub_identity import load_hub_identity
from facturahub.signatures.certgen import Identity
from facturahub.signatures.trust import load_trust_store
from facturahub.store.blobs import LocalBlobStore
from facturahub.store.clock import database_now
from facturahub.store.database import Database
from facturahub.store.migrate import current_revision


@dataclass
class Hub:
    """Everything a request handler needs, built once at start-up."""

    settings: Settings
    database: Database
    blobs: LocalBlobStore
    identity: Identity


def build_hub(settings: Settings) -> Hub:
    settings.ensure_data_dir()
    if settings.trust_store is not None:
        load_trust_store(settings.trust_store)  # an unusable trust store stops start-up, not a request
    database = Database(settings.effective_database_url, create=False)
    attach_job_queue(database, settings)  # status changes enqueue their notifications after commit
    return Hub(
        settings=settings,
        database=database,
        blobs=LocalBlobStore(settings.ensure_blob_dir()),
        identity=load_hub_identity(settings),
    )


def app_from_environment() -> FastAPI:
    """The application of one worker process: settings from the ``FACTURAHUB_*`` environment."""
    return create_app(load_settings())


def create_app(settings: Settings, hub: Hub | None = None) -> FastAPI:
    hub = hub or build_hub(settings)
    app = FastAPI(title="facturahub", version=__version__, docs_url=None, redoc_url=None)
    app.state.hub = hub
    queue = settings.jobs_queue_label  # once: it resolves a path and hashes it

    @app.get("/health")
    def health() -> JSONResponse:
        reachable = hub.database.ping()
        revision = current_revision(hub.database) if reachable else None
        body = {
            "status": "ok" if reachable and revision else "degraded",
            "version": __version__,
            "database": {
                "engine": hub.database.dialect,
                "status": "ok" if reachable else "unreachable",
                "revision": revision,
            },
            "mode": settings.mode.value,
            "worker": _worker_liveness(hub.database, queue) if revision else {"status": "unknown"},
        }
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    _mount_soap(app, hub)
    return app


def _worker_liveness(database: Database, queue: str) -> dict[str, object]:
    """Whether a ``facturahub worker`` is alive (its heartbeat). Informative: it does not turn the
    web node's status to degraded, because a load balancer would then take every web node out
    for a fault they do not have; monitor ``worker.status`` (``ok``, ``other_queue``, ``stale``,
    ``none``). Only workers of this node's queue count."""
    try:
        with database.reading() as session:
            return worker_heartbeats.liveness(session, database_now(session), queue).as_dict()
    except DBAPIError:  # a database older than the heartbeats' table (not upgraded yet)
        return {"status": "unknown"}


def _mount_soap(app: FastAPI, hub: Hub) -> None:
    """The SOAP faces (FACe suppliers' service…): POST requests and GET ?wsdl."""
    from facturahub.soap.routes import soap_routes

    app.router.routes.extend(soap_routes(hub))
