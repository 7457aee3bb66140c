"""A lean keep-alive HTTP/1.1 client for the benchmarks.

The benchmark clients share the machine's cores with the hub; httpx costs about 1.5 ms of CPU per
45 KB request, the standard library's ``http.client`` a fraction of that, so the figures measure the
hub rather than the client."""

from __future__ import annotations

import http.client
from types import TracebackType
from urllib.parse import urlsplit


class Connection:
    """One persistent connection to ``url``'s host; ``post`` returns (status, body)."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        parts = urlsplit(url)
        self.path = parts.path or "/"
        host = parts.hostname or "127.0.0.1"
        self._connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self._connection.request("POST", self.path, body=body, headers=headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._connection.close()
