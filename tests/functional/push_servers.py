"""Real servers for the push tests: an HTTP endpoint that records what reaches it, a TLS
certificate for ``localhost`` from a test CA, and a small forward HTTP proxy (CONNECT tunnels and
absolute-form requests, optional Basic credentials) that records what it was asked."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from facturahub.services.notification_content import FlowStatus, PushStatus
from facturahub.signatures.certgen import issue, new_key

# --- an endpoint ---------------------------------------------------------------------------------


class Recorder:
    """An HTTP server that records each request (path, Host and any ``Proxy-*`` header that reached
    it) and answers with ``answer(handler)``; ``tls``: serve HTTPS with that server context."""

    def __init__(self, host: str, answer: Any, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                recorder.record(self)
                answer(self)

            def do_GET(self) -> None:
                recorder.record(self)
                answer(self)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        seen = {"path": handler.path, "host": handler.headers.get("Host", "")}
        seen.update({k: v for k, v in handler.headers.items() if k.lower().startswith("proxy-")})
        self.requests.append(seen)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def soap_ok(handler: BaseHTTPRequestHandler) -> None:
    payload = (
        b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        b"<r><resultado><codigo>0</codigo></resultado></r></e:Body></e:Envelope>"
    )
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def push_status() -> PushStatus:
    return PushStatus(
        "REG-1", FlowStatus("1200", "Registrada", None), FlowStatus("4100", "No solicitada", None)
    )


# --- TLS -----------------------------------------------------------------------------------------


def tls_server_certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A test CA (its PEM file returned) and a server certificate for ``localhost`` only (chain
    and key in one PEM file)."""
    ca = issue("facturahub push test CA", is_ca=True, days=1)
    now = datetime.now(UTC)
    key = new_key()
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca.private_key, hashes.SHA256())
    )
    ca_file, chain_file = tmp_path / "ca.pem", tmp_path / "server.pem"
    ca_file.write_bytes(ca.certificate_pem)
    chain_file.write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_file, chain_file


def tls_server_context(chain_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain_file)
    return context


# --- a forward proxy -----------------------------------------------------------------------------


class ForwardProxy:
    """A forward HTTP proxy on 127.0.0.1: ``CONNECT host:port`` opens a tunnel (the proxy resolves
    the name itself; 502 when it cannot connect), an absolute-form request is forwarded in origin
    form without the ``Proxy-*`` headers. With ``authorization`` (a whole ``Proxy-Authorization``
    value) anything else gets 407. ``requests`` records method, target and the credentials sent."""

    def __init__(self, authorization: str | None = None) -> None:
        self.authorization = authorization
        self.requests: list[dict[str, str | None]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self._listener.close()
        for sock in list(self._open):
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head, rest = _read_head(client)
            if head is None:
                return
            request_line, *header_lines = head.split("\r\n")
            method, target, _version = request_line.split(" ", 2)
            headers = dict(line.split(":", 1) for line in header_lines if ":" in line)
            headers = {name.strip().lower(): value.strip() for name, value in headers.items()}
            sent = headers.get("proxy-authorization")
            self.requests.append({"method": method, "target": target, "authorization": sent})
            if self.authorization is not None and sent != self.authorization:
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
                )
                return
            if method == "CONNECT":
                self._tunnel(client, target, rest)
            else:
                self._forward(client, method, target, header_lines, rest)

    def _tunnel(self, client: socket.socket, target: str, rest: bytes) -> None:
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            _relay(client, upstream)

    def _forward(
        self, client: socket.socket, method: str, target: str, header_lines: list[str], rest: bytes
    ) -> None:
        parts = urlsplit(target)
        try:
            upstream = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=5)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        kept = [
            line for line in header_lines if not line.lower().startswith(("proxy-", "connection:")) and line
        ]
        origin = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = "\r\n".join([f"{method} {origin} HTTP/1.1", *kept, "Connection: close", "", ""])
        with upstream:
            upstream.sendall(head.encode("latin-1") + rest)
            _relay(client, upstream)


def _read_head(sock: socket.socket) -> tuple[str | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy both ways until either side closes."""

    def pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join(timeout=10)


# --- an endpoint that misbehaves at the byte level ------------------------------------------------


class RawEndpoint:
    """A TCP server that reads each request's head and body, then hands the socket to
    ``answer(sock)``; records, per connection, how long it stayed open and whether the client
    hung up on it (a failed send, or end of file, while ``answer`` was still writing)."""

    def __init__(self, answer: Any, port: int = 0, *, reads_request: bool = True) -> None:
        self.answer, self.reads_request = answer, reads_request  # False: the server speaks first (SMTP)
        self.connections: list[dict[str, Any]] = []
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/proveedor/setEstadoFactura") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        record: dict[str, Any] = {"opened": datetime.now(UTC), "closed": None, "client_hung_up": False}
        record["request"] = b""
        self.connections.append(record)
        with client:
            if self.reads_request:
                record["request"] = self._read_request(client)
            try:
                self.answer(client)
            except OSError:
                record["client_hung_up"] = True
        record["closed"] = datetime.now(UTC)

    def connections_for(self, registry_number: str) -> list[dict[str, Any]]:
        """The connections whose request named this invoice: a push goes to the endpoint as it is
        at delivery, so an earlier test's pending pushes may arrive here too."""
        return [c for c in list(self.connections) if registry_number.encode() in c["request"]]

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        head, rest = _read_head(client)
        length = 0
        for line in (head or "").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            rest += chunk
        return rest

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(), frees the port
        self.listener.close()


def drip(head: bytes, byte_every: float, count: int) -> Any:
    """An answer: ``head``, then one byte every ``byte_every`` seconds, ``count`` times (each byte
    well within any socket timeout); ends early, marked, when the client has hung up."""

    def answer(client: socket.socket) -> None:
        client.sendall(head)
        for _ in range(count):
            time.sleep(byte_every)
            client.sendall(b" ")
            if _peer_closed(client):
                raise ConnectionResetError("the client hung up")

    return answer


def _peer_closed(client: socket.socket) -> bool:
    client.setblocking(False)
    try:
        return client.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        client.setblocking(True)
