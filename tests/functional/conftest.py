"""Functional fixtures: the real ``facturahub`` CLI (in-process through click's runner, and as a
subprocess where the entry point itself matters) against real databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from facturahub.cli import cli
from facturahub.store.database import Database


@dataclass
class CLI:
    env: dict[str, str]
    runner: CliRunner

    def __call__(self, *args: str, expect: int | None = 0) -> Result:
        """Run a command; ``expect`` is the exit code it must end with (None: any)."""
        result = self.runner.invoke(cli, list(args), env=self.env, catch_exceptions=False)
        assert expect is None or result.exit_code == expect, (
            f"facturahub {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*("--json", *args)).stdout)

    def error(self, *args: str, exit_code: int, key: str) -> str:
        """Run a command that must fail; return its one-line reason (stderr)."""
        result = self(*args, expect=exit_code)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ") and lines[0].endswith(f"[{key}]"), lines[0]
        return lines[0]


@pytest.fixture
def hub_cli(database: Database, tmp_path: Path) -> CLI:
    env = {
        "FACTURAHUB_DATABASE_URL": database.url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_CONFIG": "",
    }
    return CLI(env=env, runner=CliRunner())


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def sandbox(database: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The sandbox seeded in ``database`` by the real use case: (the supplier as a verified
    caller, a blob store) for tests that drive the intake use case directly."""
    from facturahub.services import lookup
    from facturahub.services.blob_binding import bind_store
    from facturahub.services.sandbox import init_sandbox
    from facturahub.signatures.certgen import issue
    from facturahub.store.blobs import LocalBlobStore

    with database.unit_of_work() as session:
        summary = init_sandbox(session, tmp_path / "sandbox", issue("hub"), "http://127.0.0.1:1")
    with database.unit_of_work() as session:
        caller = lookup.identify_caller(session, thumbprint=summary["supplier"]["certificate_sha256"])
    blobs = LocalBlobStore(tmp_path / "blobs")
    bind_store(database, blobs)  # as `facturahub serve` does at start
    return caller, blobs
