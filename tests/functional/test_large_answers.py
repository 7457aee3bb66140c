"""consultarUnidades over the whole DIR3 is seconds of work and tens of MiB of XML. Its request is
small, so it ran on the event loop like any small request, and inside the write transaction of its
replay row: every other client of that worker process waited for it, and on SQLite every writer
of the hub. Now a large answer (``Profile.large_answers``) commits its replay row alone, is built
from a read-only session in a worker thread, one at a time per process (soap/transport.py).

PostgreSQL is the instrument here: a table lock held by the test stops the directory query where
it is, which SQLite's readers cannot be made to do; the scheduling under test is the same code for
both engines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.functional.face_hub import FaceHub, served_hub
from tests.functional.notify_hub import wait_for
from tests.functional.soap_client import zeep_client

WAITING_ON_RELATIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query LIKE '%dir3_relations%' AND pid <> pg_backend_pid()"
)


@pytest.fixture(scope="module")
def postgres_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaceHub]:
    # one worker process: with several, the kernel may hand the other requests to another one
    with served_hub("postgres", tmp_path_factory.mktemp("large-answers"), WORKERS="1") as fields:
        yield FaceHub(**fields)


def _client(hub: FaceHub) -> Any:
    # a call held up by another would get no answer: fail, not hang
    return zeep_client(hub.wsdl_url, hub.supplier, hub.hub_cert_pem, operation_timeout=30)


def test_directory_answers_hold_up_no_other_request_and_are_built_one_at_a_time(
    postgres_hub: FaceHub,
) -> None:
    engine = create_engine(postgres_hub.env["FACTURAHUB_DATABASE_URL"])
    try:
        with engine.connect() as blocker, engine.connect() as observer, ThreadPoolExecutor(2) as pool:
            blocker.execute(text("LOCK TABLE dir3_relations IN ACCESS EXCLUSIVE MODE"))
            directory = [
                pool.submit(lambda: _client(postgres_hub).service.consultarUnidades()) for _ in range(2)
            ]

            def waiting() -> int:  # a transaction would see one snapshot of pg_stat_activity
                count = int(observer.execute(WAITING_ON_RELATIONS).scalar_one())
                observer.rollback()
                return count

            wait_for(lambda: waiting() >= 1, 30, "a consultarUnidades waiting on the table lock")
            states = _client(postgres_hub).service.consultarEstados()
            assert states.resultado.codigo == "0", states.resultado.descripcion
            time.sleep(1)  # the second consultarUnidades has had time to reach the database: it has not
            assert waiting() == 1
            blocker.rollback()
            answers = [future.result(timeout=60) for future in directory]
    finally:
        engine.dispose()
    for answer in answers:
        assert answer.resultado.codigo == "0", answer.resultado.descripcion
        offices = {relation.oficinaContable.codigo for relation in answer.relaciones.relacion}
        assert "P00000010" in offices
