"""Push calls through the operator's HTTP proxy (``FACTURAHUB_PUSH_PROXY_URL``), against a real
forward proxy and real endpoints:

- http endpoints are asked for with their absolute URL, https ones through ``CONNECT host:port``
  with TLS end to end, still verified for the URL's host name;
- the proxy's credentials reach the proxy and never the endpoint; wrong ones fail the attempt,
  naming the proxy and not repeating the password;
- the hub still refuses what it can judge itself (a literal non-public address, a name whose every
  address is non-public) before the proxy hears of it, and leaves names it cannot resolve to the
  proxy;
- endpoints the operator exempts (``FACTURAHUB_PUSH_NO_PROXY``) are called straight, under the full
  destination rule;
- a worker started with the setting delivers a real status change through the proxy, or straight
  to an exempted endpoint.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.functional.notify_hub import NotifyHub, PushEndpoint, running_notify_hub, wait_for
from tests.functional.push_servers import (
    ForwardProxy,
    Recorder,
    push_status,
    soap_ok,
    tls_server_certificate,
    tls_server_context,
)

from facturahub.config import parse_no_proxy, parse_proxy_url
from facturahub.jobs.push import PushFailed, SOAPPusher
from facturahub.services.destinations import DestinationPolicy, parse_networks
from facturahub.signatures.certgen import issue

SECRET = "s3cr3t:w0rd"  # a colon in the password too
CREDENTIALS = "Basic " + base64.b64encode(f"hub:{SECRET}".encode()).decode()
USERINFO = "hub:s3cr3t%3Aw0rd"


@pytest.fixture(scope="module")
def hub_identity() -> Any:
    return issue("facturahub test hub", bits=2048, not_before=datetime.now(UTC))


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy(authorization=CREDENTIALS)
    yield server
    server.close()


def _pusher(identity: Any, proxy_url: str, allowed: str = "127.0.0.0/8", direct: str = "") -> SOAPPusher:
    policy = DestinationPolicy(False, parse_networks(allowed))
    return SOAPPusher(identity, 5.0, policy, parse_proxy_url(proxy_url), parse_no_proxy(direct))


def test_http_goes_to_the_proxy_as_an_absolute_url_with_the_proxys_credentials(
    hub_identity: Any, proxy: ForwardProxy
) -> None:
    endpoint = Recorder("127.0.0.1", soap_ok)
    try:
        url = f"http://localhost:{endpoint.port}/proveedor/setEstadoFactura?canal=face"
        _pusher(hub_identity, proxy.url(USERINFO)).push(url, push_status())
        assert proxy.requests == [{"method": "POST", "target": url, "authorization": CREDENTIALS}]
        # the endpoint saw an ordinary request for its own name, and no proxy credentials
        assert endpoint.requests == [
            {"path": "/proveedor/setEstadoFactura?canal=face", "host": f"localhost:{endpoint.port}"}
        ]
    finally:
        endpoint.close()


def test_https_is_tunnelled_with_connect_and_verified_for_the_name(
    hub_identity: Any, proxy: ForwardProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca_file, chain_file = tls_server_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # OpenSSL's default trust: the test CA only
    endpoint = Recorder("127.0.0.1", soap_ok, tls_server_context(chain_file))
    try:
        pusher = _pusher(hub_identity, proxy.url(USERINFO))
        pusher.push(f"https://localhost:{endpoint.port}/tls", push_status())
        assert proxy.requests == [
            {"method": "CONNECT", "target": f"localhost:{endpoint.port}", "authorization": CREDENTIALS}
        ]
        assert endpoint.requests == [{"path": "/tls", "host": f"localhost:{endpoint.port}"}]

        # the tunnel does not weaken TLS: a URL naming the address is not the certificate's name
        with pytest.raises(PushFailed, match=r"SSLCertVerificationError through the proxy 127\.0\.0\.1:\d+"):
            pusher.push(f"https://127.0.0.1:{endpoint.port}/tls", push_status())
        assert len(endpoint.requests) == 1
    finally:
        endpoint.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_wrong_proxy_credentials_fail_the_attempt_naming_the_proxy(
    hub_identity: Any, proxy: ForwardProxy, scheme: str
) -> None:
    endpoint = Recorder("127.0.0.1", soap_ok)
    try:
        with pytest.raises(PushFailed) as failure:
            _pusher(hub_identity, proxy.url("hub:wrong-password")).push(
                f"{scheme}://localhost:{endpoint.port}/x", push_status()
            )
        message = str(failure.value)
        assert "407" in message and f"through the proxy 127.0.0.1:{proxy.port}" in message, message
        assert "wrong-password" not in message
        assert len(proxy.requests) == 1 and endpoint.requests == []
    finally:
        endpoint.close()


def test_the_hub_still_refuses_what_it_can_judge_and_leaves_unknown_names_to_the_proxy(
    hub_identity: Any, proxy: ForwardProxy
) -> None:
    strict = _pusher(hub_identity, proxy.url(USERINFO), allowed="")
    with pytest.raises(PushFailed, match=r"169\.254\.169\.254 is a link-local address"):
        strict.push("http://169.254.169.254/latest/meta-data/", push_status())
    with pytest.raises(PushFailed, match=r"localhost is a loopback address \(127\.0\.0\.1\)"):
        strict.push("https://localhost:8443/admin", push_status())
    assert proxy.requests == []  # refused before the proxy heard of them

    # a name the hub cannot resolve may well be resolvable by the proxy: it is the proxy's to judge
    with pytest.raises(
        PushFailed, match=r"through the proxy 127\.0\.0\.1:\d+: Tunnel connection failed: 502"
    ):
        strict.push("https://no-such-endpoint.invalid/x", push_status())
    assert proxy.requests == [
        {"method": "CONNECT", "target": "no-such-endpoint.invalid:443", "authorization": CREDENTIALS}
    ]


def test_an_internationalised_name_reaches_the_proxy_as_its_a_label(
    hub_identity: Any, proxy: ForwardProxy
) -> None:
    """``bücher.example`` failed inside the HTTP client (``'ascii' codec can't encode``), before
    the proxy was asked and without naming it."""
    pusher = _pusher(hub_identity, proxy.url(USERINFO), allowed="")
    with pytest.raises(
        PushFailed, match=r"through the proxy 127\.0\.0\.1:\d+: Tunnel connection failed: 502"
    ):
        pusher.push("https://b\u00fccher.invalid/proveedor", push_status())
    with pytest.raises(
        PushFailed, match=r"HTTP 502 from http://b\u00fccher\.invalid:8080/p\?x=1 through the proxy"
    ):
        pusher.push("http://b\u00fccher.invalid:8080/p?x=1", push_status())
    assert [(r["method"], r["target"]) for r in proxy.requests] == [
        ("CONNECT", "xn--bcher-kva.invalid:443"),
        ("POST", "http://xn--bcher-kva.invalid:8080/p?x=1"),
    ]


def test_exempted_endpoints_are_called_straight_under_the_full_destination_rule(
    hub_identity: Any, proxy: ForwardProxy
) -> None:
    endpoint = Recorder("127.0.0.1", soap_ok)
    try:
        pusher = _pusher(hub_identity, proxy.url(USERINFO), direct="localhost, 127.0.0.0/8")
        for host in ("localhost", "127.0.0.1"):
            pusher.push(f"http://{host}:{endpoint.port}/directo", push_status())
        assert proxy.requests == []
        assert [r["path"] for r in endpoint.requests] == ["/directo", "/directo"]

        # a name that is not exempted still goes through the proxy
        through = _pusher(hub_identity, proxy.url(USERINFO), direct="intranet.example, 10.0.0.0/8")
        through.push(f"http://localhost:{endpoint.port}/via-proxy", push_status())
        assert [r["target"] for r in proxy.requests] == [f"http://localhost:{endpoint.port}/via-proxy"]

        # exempted, the destination rule is the direct one: resolved and refused by the hub itself
        strict = _pusher(hub_identity, proxy.url(USERINFO), allowed="", direct="localhost")
        with pytest.raises(PushFailed, match=r"localhost is a loopback address") as refused:
            strict.push(f"http://localhost:{endpoint.port}/x", push_status())
        assert "proxy" not in str(refused.value)
        assert len(proxy.requests) == 1 and len(endpoint.requests) == 3
    finally:
        endpoint.close()


def test_an_unreachable_proxy_fails_the_attempt_naming_it(hub_identity: Any) -> None:
    gone = ForwardProxy()
    gone.close()
    with pytest.raises(
        PushFailed, match=rf"ConnectionRefusedError through the proxy 127\.0\.0\.1:{gone.port}"
    ):
        _pusher(hub_identity, gone.url()).push("http://localhost:9/x", push_status())


@pytest.mark.parametrize("exempted", [False, True], ids=["through-the-proxy", "exempted"])
def test_the_worker_delivers_a_status_change_through_the_proxy(
    tmp_path_factory: pytest.TempPathFactory, proxy: ForwardProxy, exempted: bool
) -> None:
    """setNotificacion through zeep, an invoice through zeep, and the worker's push through the
    proxy to the endpoint, which verifies the hub's signature on what arrives; or straight to it
    when the operator exempts its host from the proxy."""
    root = tmp_path_factory.mktemp("push-proxy")
    with running_notify_hub("sqlite", "sqlite", root) as hub:
        endpoint = PushEndpoint(hub_cert_pem=hub.hub_cert_pem)
        endpoint.start()
        try:
            _configure(hub, endpoint.url)
            host = urlsplit(endpoint.url).hostname or ""
            hub.start_worker(
                FACTURAHUB_PUSH_PROXY_URL=proxy.url(USERINFO),
                FACTURAHUB_PUSH_NO_PROXY=f"{host}, intranet.example" if exempted else "intranet.example",
            )
            delivered = hub.submit(hub.suppliers_client(), correo="")
            push = wait_for(lambda: endpoint.for_registry_number(delivered), what="the push")[0]
            assert (push.tramitacion, push.anulacion) == ("1200", "4100")
            through = {"method": "POST", "target": endpoint.url, "authorization": CREDENTIALS}
            if exempted:
                assert proxy.requests == []
            else:
                assert through in proxy.requests, proxy.requests
        finally:
            hub.stop_worker()
            endpoint.stop()


def _configure(hub: NotifyHub, url: str) -> None:
    answer = hub.notifications_client().service.setNotificacion(
        {"codigo": "3", "estado": "ENABLED", "value": url}
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion
