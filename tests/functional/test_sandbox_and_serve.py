"""`make run`'s steps as a fresh machine runs them: migrate, seed the sandbox (idempotently),
serve, and answer /health — through the installed `facturahub` entry point and real HTTP."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.functional.conftest import CLI

from facturahub.services.blob_binding import bind_store, database_store_id
from facturahub.store.blobs import LocalBlobStore
from facturahub.store.database import Database
from facturahub.store.migrate import upgrade
from facturahub.store.models import Certificate, Platform, PlatformUnit

FACTURAHUB = str(Path(sys.executable).parent / "facturahub")


def test_sandbox_init_is_idempotent_and_writes_the_identities(
    hub_cli: CLI, database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "sandbox"
    first = json.loads(hub_cli("sandbox", "init", "--out", str(out)).stdout)
    for name in (
        "supplier-cert.pem",
        "supplier-key.pem",
        "registry-cert.pem",
        "registry-key.pem",
        "hub-cert.pem",
    ):
        assert (out / name).is_file(), name
    for key in ("supplier-key.pem", "registry-key.pem"):
        assert stat.S_IMODE((out / key).stat().st_mode) == 0o600
    hub_key = Path(hub_cli.env["FACTURAHUB_DATA_DIR"]) / "hub" / "hub-key.pem"
    assert stat.S_IMODE(hub_key.stat().st_mode) == 0o600
    assert first["endpoints"]["face_suppliers"].endswith("/face/facturasspp2")
    assert first["registry"]["offices"] == ["DFB0", "L01280796", "P00000010"]

    second = json.loads(hub_cli("sandbox", "init", "--out", str(out)).stdout)
    assert second == first
    with database.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 2
        assert session.scalar(select(func.count()).select_from(Platform)) == 2
        assert (
            session.scalar(
                select(func.count()).select_from(PlatformUnit).where(PlatformUnit.status == "approved")
            )
            == 3
        )

    # the written certificates are the registered, assigned ones
    supplier = hub_cli.json("certificate", "lookup", "--file", str(out / "supplier-cert.pem"))
    assert (
        supplier["capabilities"] == ["sending"]
        and supplier["integrator"] == first["supplier"]["integrator_nif"]
    )
    registry = hub_cli.json("certificate", "lookup", "--file", str(out / "registry-cert.pem"))
    assert registry["capabilities"] == ["reception"]

    # another output directory: new certificates, registered too, the old ones stay valid
    third = json.loads(hub_cli("sandbox", "init", "--out", str(tmp_path / "elsewhere")).stdout)
    assert third["supplier"]["certificate_sha256"] != first["supplier"]["certificate_sha256"]
    assert third["supplier"]["platform"] == first["supplier"]["platform"]
    assert hub_cli.json("certificate", "lookup", "--file", str(out / "supplier-cert.pem"))[
        "capabilities"
    ] == ["sending"]


def test_sandbox_init_into_an_unusable_place_is_one_line_and_creates_nothing(
    hub_cli: CLI, database: Database, tmp_path: Path
) -> None:
    a_file = tmp_path / "sandbox.txt"
    a_file.write_text("not a directory")
    message = hub_cli.error("sandbox", "init", "--out", str(a_file), exit_code=3, key="cli.not_a_directory")
    assert str(a_file) in message
    out = tmp_path / "out"
    (out / "supplier-key.pem").mkdir(parents=True)  # where the supplier's key must go
    message = hub_cli.error("sandbox", "init", "--out", str(out), exit_code=3, key="cli.file_unusable")
    assert "supplier-key.pem" in message and "Es un directorio" in message
    with database.unit_of_work() as session:  # the transaction was rolled back: no half sandbox
        assert session.scalar(select(func.count()).select_from(Platform)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_make_run_sequence_serves_health(migrated_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": migrated_url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_PORT": str(port),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    assert _run(env, "db", "upgrade").returncode == 0
    seeded = _run(env, "sandbox", "init", "--out", str(tmp_path / "sandbox"))
    assert seeded.returncode == 0, seeded.stderr
    endpoints = json.loads(seeded.stdout)["endpoints"]
    assert endpoints["health"] == f"http://127.0.0.1:{port}/health"
    server = subprocess.Popen(
        [FACTURAHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        body = _wait_for_health(port, server)
        engine = "sqlite" if migrated_url.startswith("sqlite") else "postgresql"
        assert body["status"] == "ok"
        assert body["database"] == {
            "engine": engine,
            "status": "ok",
            "revision": body["database"]["revision"],
        }
        assert body["database"]["revision"] and body["version"]
        for name, url in endpoints.items():  # every endpoint the sandbox advertises is served
            answer = httpx.get(url if name == "health" else f"{url}?wsdl", timeout=30)
            assert answer.status_code == 200, (name, url, answer.status_code)
        database = Database(migrated_url)  # the blob directory and the database know each other
        try:
            store_id = database_store_id(database)
        finally:
            database.dispose()
        marker = tmp_path / "var" / "blobs" / ".facturahub-store"
        assert store_id and marker.read_text() == f"facturahub blob store {store_id}\n"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_the_blob_directory_of_another_database(database: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A hub started with another hub's blob directory would mix two hubs' files, and its
    collector would take the other's for orphans."""
    ours = bind_store(database, LocalBlobStore(tmp_path / "ours"))
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    theirs = bind_store(other, LocalBlobStore(tmp_path / "theirs"))
    other.dispose()
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": database.url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_BLOB_DIR": str(tmp_path / "theirs"),
        "FACTURAHUB_PORT": str(_free_port()),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    result = _run(env, "serve")
    assert result.returncode == 7, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"error: El directorio de blobs {tmp_path / 'theirs'} pertenece a otra base de datos"
    )
    assert f"(almacén {theirs})" in last and f"es la del almacén {ours}" in last
    assert last.endswith("[blobs.store_of_another_database]")
    assert database_store_id(database) == ours


def test_a_sandbox_without_invoices_takes_over_a_directory_and_says_so(
    database: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A developer deleted the database file and kept var/blobs: `make run` still starts."""
    other = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(other)
    old = bind_store(other, LocalBlobStore(tmp_path / "var" / "blobs"))
    other.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": database.url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_PORT": str(port),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    server = subprocess.Popen(
        [FACTURAHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert _wait_for_health(port, server)["status"] == "ok"
        assert database_store_id(database) == old
    finally:
        server.terminate()
        server.wait(timeout=20)
    output = server.stdout.read().decode() if server.stdout else ""
    assert (
        f"the blob directory {tmp_path / 'var' / 'blobs'} belonged to another database (store {old})"
        in output
    )


def _wait_for_health(port: int, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode() if server.stdout else ""
            pytest.fail(f"facturahub serve exited early: {output}")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert response.status_code == 200, response.text
        return dict(response.json())
    pytest.fail("the hub did not answer /health within 60 s")


def test_health_reports_an_unmigrated_database_as_degraded(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FACTURAHUB_DATA_DIR": str(tmp_path / "var"), "FACTURAHUB_PORT": str(port)}
    env.pop("FACTURAHUB_DATABASE_URL", None)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "facturahub.db").touch()  # the default database, empty: never migrated
    server = subprocess.Popen(
        [FACTURAHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert response.status_code == 503
        assert response.json()["status"] == "degraded" and response.json()["database"]["revision"] is None
    finally:
        server.terminate()
        server.wait(timeout=20)
    output = server.stdout.read().decode() if server.stdout else ""
    assert "warning: el directorio de blobs no se ha vinculado a la base de datos (La base de datos" in output
    assert "no tiene el esquema de facturahub" in output and "se vinculará en el próximo arranque" in output


def test_production_mode_without_a_signing_identity_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "FACTURAHUB_DATA_DIR": str(tmp_path / "var"), "FACTURAHUB_MODE": "production"}
    result = _run(env, "serve")
    assert result.returncode == 7
    assert result.stderr.strip().splitlines()[-1].startswith("error: En modo producción hay que configurar")
    assert "FACTURAHUB_HUB_P12_FILE" in result.stderr
    missing = _run({**env, "FACTURAHUB_HUB_P12_FILE": str(tmp_path / "nope.p12")}, "serve")
    assert missing.returncode == 7 and "nope.p12" in missing.stderr


def test_production_mode_loads_a_configured_pkcs12(tmp_path: Path, shared_data: Path) -> None:
    from facturahub.config import load_settings
    from facturahub.errors import ConfigurationError
    from facturahub.services.hub_identity import load_hub_identity

    p12 = shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12"
    settings = load_settings(
        environ={
            "FACTURAHUB_MODE": "production",
            "FACTURAHUB_HUB_P12_FILE": str(p12),
            "FACTURAHUB_HUB_P12_PASSWORD": "1234",
        }
    )
    identity = load_hub_identity(settings)
    assert "99999999R" in identity.certificate.subject.rfc4514_string()
    wrong = load_settings(
        environ={
            "FACTURAHUB_MODE": "production",
            "FACTURAHUB_HUB_P12_FILE": str(p12),
            "FACTURAHUB_HUB_P12_PASSWORD": "nope",
        }
    )
    with pytest.raises(ConfigurationError) as caught:
        load_hub_identity(wrong)
    assert caught.value.key == "hub_identity.invalid"
    keyless = load_settings(
        environ={
            "FACTURAHUB_MODE": "production",
            "FACTURAHUB_HUB_P12_PASSWORD": "invopop",
            "FACTURAHUB_HUB_P12_FILE": str(shared_data / "certs" / "gobl-client-without-key.p12"),
        }
    )
    with pytest.raises(ConfigurationError) as caught:
        load_hub_identity(keyless)
    assert "no private key" in caught.value.message("en")


def test_serve_with_several_workers(migrated_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": migrated_url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_PORT": str(port),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    server = subprocess.Popen(
        [FACTURAHUB, "serve", "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert _wait_for_health(port, server)["status"] == "ok"
        answers = {httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code for _ in range(10)}
        assert answers == {200}
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "(2 workers)" in output and output.count("Started server process") >= 2
