"""Start a real hub for a benchmark: migrate, seed the sandbox, serve on a free port."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

FACTURAHUB = str(Path(sys.executable).parent / "facturahub")
REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN = os.environ.get(
    "FACTURAHUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class RunningHub:
    base_url: str
    sandbox: dict[str, object]
    sandbox_dir: Path
    engine: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def workdir() -> Iterator[Path]:
    """A fresh directory for one run's data (SQLite file, blobs, sandbox), removed afterwards:
    under ``FACTURAHUB_BENCH_DIR``, by default ``var/bench`` in the repository, where a hub's data
    would live, rather than in /tmp (on these machines creating a file in /tmp costs about ten
    times the CPU it costs elsewhere on the same disk, which would be measured as intake)."""
    base = Path(os.environ.get("FACTURAHUB_BENCH_DIR") or REPO / "var" / "bench")
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="facturahub-bench-", dir=base) as directory:
        yield Path(directory)


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database, or None when the server is unreachable."""
    name = f"facturahub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        yield None
        return
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def running_hub(
    workdir: Path, shared_data: Path, database_url: str | None = None, workers: int = 1
) -> Iterator[RunningHub]:
    port = free_port()
    env = {
        **os.environ,
        "FACTURAHUB_DATA_DIR": str(workdir / "var"),
        "FACTURAHUB_PORT": str(port),
        "FACTURAHUB_FACTURAE_SCHEMA_DIR": str(shared_data / "facturae" / "xsd"),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    if database_url:
        env["FACTURAHUB_DATABASE_URL"] = database_url
    else:
        env.pop("FACTURAHUB_DATABASE_URL", None)
    subprocess.run([FACTURAHUB, "db", "upgrade"], env=env, check=True, capture_output=True)
    sandbox_dir = workdir / "sandbox"
    seeded = subprocess.run(
        [FACTURAHUB, "sandbox", "init", "--out", str(sandbox_dir)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [FACTURAHUB, "serve", "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start; see {workdir / 'server.log'}")
            time.sleep(0.2)
        yield RunningHub(
            base, json.loads(seeded.stdout), sandbox_dir, "postgresql" if database_url else "sqlite"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def on_every_engine(
    name: str,
    run_engine: Callable[[str | None, argparse.Namespace], dict[str, float]],
    args: argparse.Namespace,
) -> dict[str, float]:
    """Run a benchmark on SQLite, then on PostgreSQL when reachable; print the machine-readable
    line ``<name> key=value…`` of the SQLite figures last, and return them."""
    results = {"sqlite": run_engine(None, args)}
    with postgres_database() as url:
        if url is None:
            print("[postgresql] unreachable: skipped")
        else:
            results["postgresql"] = run_engine(url, args)
    figures = results["sqlite"]
    print(f"{name} " + " ".join(f"{key}={value:.2f}" for key, value in figures.items()))
    return figures
