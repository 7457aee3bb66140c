"""``facturahub worker`` as a test's child process: started with its output in a log file, and
stopped gracefully (killed if it has not stopped in time)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.functional.face_hub import FACTURAHUB


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, env: Mapping[str, str], log: Path) -> WorkerProcess:
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [FACTURAHUB, "worker"], env=dict(env), stdout=handle, stderr=subprocess.STDOUT
            )
        return cls(process, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 30) -> int:
        """SIGINT (graceful: deliveries in progress finish), a kill after ``timeout`` seconds;
        the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)
