"""Push endpoints and server-side request forgery (services/destinations.py): a platform may not
make the hub's worker call loopback, private, link-local or other non-public addresses unless the
operator allows them.

- Through FACe's ``setNotificacion`` (zeep) on a hub that refuses non-public destinations except
  127.0.0.2/32: every kind of forbidden address is refused with 318 naming it, and nothing is
  stored; an allowed endpoint is delivered to.
- Through a worker whose policy is narrower than when the endpoint was configured: the delivery is
  refused before any connection (the endpoint, a canary, sees nothing) and the reason is recorded.
- The pusher itself against real HTTP servers: no redirect is followed, a name is connected to at
  the address that was checked, with its own Host header.

The rule is independent of the database, so one engine (SQLite, its huey queue) is enough here.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from tests.functional.face_hub import _free_port
from tests.functional.notify_hub import NotifyHub, PushEndpoint, running_notify_hub, wait_for
from tests.functional.push_servers import (
    Recorder,
    push_status,
    soap_ok,
    tls_server_certificate,
    tls_server_context,
)

from facturahub.jobs.push import PushFailed, SOAPPusher
from facturahub.services.destinations import DestinationPolicy, parse_networks
from facturahub.signatures.certgen import issue

ALLOWED_HOST = "127.0.0.2"  # loopback, but inside the operator's allowed network


@pytest.fixture(scope="module")
def guarded_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotifyHub]:
    settings = {
        "FACTURAHUB_PUSH_PRIVATE_DESTINATIONS": "false",
        "FACTURAHUB_PUSH_ALLOWED_NETWORKS": f"{ALLOWED_HOST}/32",
    }
    with running_notify_hub("sqlite", "sqlite", tmp_path_factory.mktemp("push-ssrf"), settings) as hub:
        yield hub


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://127.0.0.1:{port}/admin", "127.0.0.1", "local (loopback)"),
        ("http://localhost:{port}/admin", "127.0.0.1", "local (loopback)"),
        ("http://[::1]:{port}/admin", "::1", "local (loopback)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "enlace local"),
        ("http://10.1.2.3/internal", "10.1.2.3", "red privada"),
        ("http://[::ffff:192.168.0.1]/router", "::ffff:192.168.0.1", "red privada"),
        ("http://100.64.0.7/cgnat", "100.64.0.7", "compartida de operador"),
        ("http://0.0.0.0:{port}/", "0.0.0.0", "no especificada"),
        ("http://[2002:7f00:1::1]/6to4", "2002:7f00:1::1", "local (loopback)"),  # 6to4 of 127.0.0.1
        ("http://192.0.0.8/ietf", "192.0.0.8", "reservada"),  # IETF protocol assignments: not global
        ("http://[fec0::1]/site-local", "fec0::1", "reservada"),  # deprecated site-local
    ],
)
def test_configuring_a_non_public_endpoint_is_refused(
    guarded_hub: NotifyHub, url: str, address: str, kind: str
) -> None:
    client = guarded_hub.notifications_client()
    answer = client.service.setNotificacion(
        {"codigo": "3", "estado": "ENABLED", "value": url.format(port=_free_port())}
    )
    assert answer.resultado.codigo == "318", answer.resultado.descripcion
    text = answer.resultado.descripcion
    assert f"({address})" in text and kind in text, text
    assert answer.notificacion is None
    assert client.service.getNotificacion({"codigo": "3"}).resultado.codigo == "319"  # nothing stored


def test_an_allowed_endpoint_is_delivered_to_and_a_narrower_worker_refuses_it(guarded_hub: NotifyHub) -> None:
    endpoint = PushEndpoint(hub_cert_pem=guarded_hub.hub_cert_pem, host=ALLOWED_HOST)
    endpoint.start()
    try:
        answer = guarded_hub.notifications_client().service.setNotificacion(
            {"codigo": "3", "estado": "ENABLED", "value": endpoint.url}
        )
        assert answer.resultado.codigo == "0", answer.resultado.descripcion
        client = guarded_hub.suppliers_client()

        guarded_hub.start_worker()
        try:
            delivered = guarded_hub.submit(client, correo="")
            push = wait_for(lambda: endpoint.for_registry_number(delivered), what="the push")[0]
            assert push.tramitacion == "1200"
        finally:
            guarded_hub.stop_worker()

        # The operator narrows the policy (or the name now resolves elsewhere): the worker checks
        # again at every delivery and refuses before connecting.
        guarded_hub.start_worker(FACTURAHUB_PUSH_ALLOWED_NETWORKS="")
        try:
            refused = guarded_hub.submit(client, correo="")
            rows = wait_for(
                lambda: [row for row in guarded_hub.rows(refused) if row["last_error"]],
                what="the refused delivery",
            )
        finally:
            guarded_hub.stop_worker()
        assert rows[0]["state"] == "pending" and rows[0]["attempts"] >= 1
        assert f"{ALLOWED_HOST} is a loopback address ({ALLOWED_HOST})" in rows[0]["last_error"]
        assert endpoint.for_registry_number(refused) == []  # never connected
        assert endpoint.rejected == []
    finally:
        endpoint.stop()


# --- the pusher against real servers ------------------------------------------------------------


@pytest.fixture(scope="module")
def hub_identity() -> Any:
    return issue("facturahub test hub", bits=2048, not_before=datetime.now(UTC))


def _pusher(identity: Any, allowed: str) -> SOAPPusher:
    return SOAPPusher(identity, 5.0, DestinationPolicy(False, parse_networks(allowed)))


def test_redirects_are_not_followed(hub_identity: Any) -> None:
    canary = Recorder("127.0.0.1", lambda h: (h.send_response(200), h.end_headers()))

    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(307)
        handler.send_header("Location", f"http://127.0.0.1:{canary.port}/metadata")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    endpoint = Recorder(ALLOWED_HOST, redirect)
    try:
        with pytest.raises(PushFailed, match=r"HTTP 307 .*redirects are not followed") as failure:
            _pusher(hub_identity, f"{ALLOWED_HOST}/32").push(
                f"http://{ALLOWED_HOST}:{endpoint.port}/x", push_status()
            )
        assert f"127.0.0.1:{canary.port}/metadata" in str(failure.value)
        assert len(endpoint.requests) == 1 and canary.requests == []
    finally:
        endpoint.close()
        canary.close()


def test_a_name_is_called_at_the_checked_address_with_its_host_header(hub_identity: Any) -> None:
    endpoint = Recorder("127.0.0.1", soap_ok)
    try:
        url = f"http://localhost:{endpoint.port}/proveedor/setEstadoFactura?canal=face"
        with pytest.raises(PushFailed, match=r"localhost is a loopback address \(127\.0\.0\.1\)"):
            _pusher(hub_identity, "").push(url, push_status())
        assert endpoint.requests == []  # refused before connecting

        _pusher(hub_identity, "127.0.0.1/32").push(url, push_status())
        assert endpoint.requests == [
            {"path": "/proveedor/setEstadoFactura?canal=face", "host": f"localhost:{endpoint.port}"}
        ]
    finally:
        endpoint.close()


def test_a_name_that_does_not_resolve_fails_the_attempt_with_its_reason(hub_identity: Any) -> None:
    with pytest.raises(PushFailed, match=r"The name no-such-endpoint\.invalid does not resolve"):
        _pusher(hub_identity, "").push("https://no-such-endpoint.invalid/x", push_status())


def test_https_is_verified_for_the_name_while_connecting_to_the_checked_address(
    hub_identity: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pinned address does not weaken TLS: the certificate must be valid for the URL's host name
    (sent as SNI), whatever address was connected to."""
    ca_file, chain_file = tls_server_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # OpenSSL's default trust: the test CA only
    endpoint = Recorder("127.0.0.1", soap_ok, tls_server_context(chain_file))
    try:
        pusher = _pusher(hub_identity, "127.0.0.0/8")
        pusher.push(f"https://localhost:{endpoint.port}/tls", push_status())
        assert endpoint.requests == [{"path": "/tls", "host": f"localhost:{endpoint.port}"}]
        with pytest.raises(ssl.SSLCertVerificationError, match=r"127\.0\.0\.1"):
            pusher.push(f"https://127.0.0.1:{endpoint.port}/tls", push_status())  # not the certificate's name
        assert len(endpoint.requests) == 1
    finally:
        endpoint.close()
