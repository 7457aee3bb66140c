"""A hub of its own for tests that need to choose its settings (production mode, a trust store) or
to kill and restart its server: its own database (SQLite file or a fresh PostgreSQL database),
migrated by the real CLI, served by ``facturahub serve`` in a process group of its own so that
SIGKILL takes every worker at once, with its output in a log file (never an unread pipe)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from tests.functional.face_hub import (
    FACTURAHUB,
    _cli,
    _OwnDatabase,
    _pem_identity,
    hub_env,
)

from facturahub.signatures.certgen import Identity
from facturahub.store.blobs import LocalBlobStore


@dataclass
class HubProcess:
    root: Path
    database_url: str
    env: dict[str, str]
    port: int
    server: subprocess.Popen[bytes] | None = None
    starts: int = 0
    sandbox: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def face_endpoint(self) -> str:
        return f"{self.base_url}/face/facturasspp2"

    @property
    def efact_endpoint(self) -> str:
        return f"{self.base_url}/efact/sspp"

    @property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(Path(self.env["FACTURAHUB_DATA_DIR"]) / "blobs")

    @property
    def hub_cert_pem(self) -> bytes:
        return (self.root / "sandbox" / "hub-cert.pem").read_bytes()

    @property
    def supplier(self) -> Identity:
        return _pem_identity(self.sandbox["supplier"])

    def cli(self, *args: str) -> str:
        return _cli(self.env, *args)

    def engine(self) -> Engine:
        return create_engine(self.database_url)

    def start(self, *options: str) -> None:
        """``facturahub serve`` with these options (``--with-worker``)."""
        assert self.server is None or self.server.poll() is not None, "already running"
        self.starts += 1
        log = (self.root / f"serve-{self.starts}.log").open("wb")
        self.server = subprocess.Popen(
            [FACTURAHUB, "serve", *options],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 60) -> None:
        assert self.server is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"facturahub serve exited early: {self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the hub did not answer /health within {timeout} s: {self.log()}")

    def log(self) -> str:
        path = self.root / f"serve-{self.starts}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the server's whole process group (it was started in a session of its own)."""
        assert self.server is not None
        with suppress(ProcessLookupError):
            os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=20)

    def stop(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def own_hub(backend: str, root: Path, *, sandbox: bool = True, **settings: str) -> Iterator[HubProcess]:
    """A migrated hub (seeded with the sandbox unless told otherwise), not started yet; ``settings``
    are ``FACTURAHUB_*`` variables without the prefix (``MODE="production"``)."""
    with _OwnDatabase(backend, root) as url:
        env = hub_env(url, root, **settings)
        hub = HubProcess(root=root, database_url=url, env=env, port=int(env["FACTURAHUB_PORT"]))
        hub.cli("db", "upgrade")
        if sandbox:
            hub.sandbox = json.loads(hub.cli("sandbox", "init", "--out", str(root / "sandbox")))
        try:
            yield hub
        finally:
            hub.stop()
