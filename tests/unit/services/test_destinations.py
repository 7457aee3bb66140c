"""The destination rule for push endpoints (server-side request forgery): which addresses count as
non-public, the operator's allowed networks, resolution, and the settings that build the policy."""

from __future__ import annotations

import ipaddress

import pytest

from facturahub.config import load_settings, parse_networks
from facturahub.errors import ConfigurationError
from facturahub.services.destinations import (
    DestinationPolicy,
    DestinationRefused,
    address_kind,
    resolve,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link_local"),  # cloud metadata services
        ("fe80::1", "link_local"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link_local"),
        ("2002:a00:1::1", "private"),  # 6to4 carrying 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link_local"),  # NAT64 of 169.254.169.254
        ("192.0.2.10", "private"),  # documentation (TEST-NET-1)
        ("2001:db8::1", "private"),  # documentation
        ("198.18.0.1", "private"),  # benchmarking
        ("240.0.0.1", "private"),  # reserved (class E): Python counts it private
    ],
)
def test_non_public_addresses(address: str, kind: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "151.101.1.1", "2a00:1450:4003::1", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses(address: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) is None


def test_the_allowed_networks_admit_only_their_addresses() -> None:
    policy = DestinationPolicy(False, parse_networks("10.20.0.0/16, fd00:1::/64 ,127.0.0.2"))
    assert policy.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:10.20.3.4")) is None  # the same host, mapped
    assert policy.refusal(ipaddress.ip_address("fd00:1::5")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) is None
    assert policy.refusal(ipaddress.ip_address("10.21.0.1")) == "private"
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) == "loopback"
    assert policy.refusal(ipaddress.ip_address("8.8.8.8")) is None
    assert DestinationPolicy(True).refusal(ipaddress.ip_address("169.254.169.254")) is None


def test_vet_returns_a_permitted_address_or_names_the_refused_one() -> None:
    strict = DestinationPolicy(False)
    assert strict.vet("8.8.8.8", 443) == ipaddress.ip_address("8.8.8.8")
    with pytest.raises(DestinationRefused) as refused:
        strict.vet("localhost", 80)
    assert refused.value.key == "destination.loopback"
    assert refused.value.params["host"] == "localhost"
    assert "localhost es una dirección local (loopback) (" in refused.value.message("es")
    with pytest.raises(DestinationRefused) as mapped:
        strict.vet("[::ffff:10.0.0.1]", 80)
    assert mapped.value.params["address"] == "::ffff:10.0.0.1"
    with pytest.raises(DestinationRefused) as unknown:
        strict.vet("nothing-here.invalid", 80)
    assert unknown.value.key == "destination.unresolvable"
    assert DestinationPolicy(False, parse_networks("127.0.0.0/8")).vet("localhost", 80).is_loopback


def test_configuration_refuses_what_delivery_would_and_accepts_unresolvable_names() -> None:
    strict = DestinationPolicy(False)
    for host in ("127.0.0.1", "localhost", "169.254.169.254", "::1"):
        with pytest.raises(DestinationRefused):
            strict.screen(host, 443)
    strict.screen("nothing-here.invalid", 443)  # may resolve later; deliveries will say
    strict.screen("8.8.4.4", 443)
    DestinationPolicy(True).screen("127.0.0.1", 443)


def test_resolve_literals_and_names() -> None:
    assert resolve("[::1]", 80) == [ipaddress.ip_address("::1")]
    assert resolve("10.0.0.1", 80) == [ipaddress.ip_address("10.0.0.1")]
    assert ipaddress.ip_address("127.0.0.1") in resolve("localhost", 80)
    assert resolve("nothing-here.invalid", 80) == []


def test_settings_build_the_policy_by_mode() -> None:
    sandbox = DestinationPolicy.from_settings(load_settings(environ={}))
    production = DestinationPolicy.from_settings(load_settings(environ={"FACTURAHUB_MODE": "production"}))
    assert sandbox.allow_non_public and not production.allow_non_public
    public_sandbox = load_settings(environ={"FACTURAHUB_PUSH_PRIVATE_DESTINATIONS": "false"})
    assert not DestinationPolicy.from_settings(public_sandbox).allow_non_public
    allowed = load_settings(
        environ={"FACTURAHUB_MODE": "production", "FACTURAHUB_PUSH_ALLOWED_NETWORKS": "10.20.0.0/16"}
    )
    assert DestinationPolicy.from_settings(allowed).allowed == (ipaddress.ip_network("10.20.0.0/16"),)


def test_a_malformed_allowed_network_stops_the_configuration() -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings(environ={"FACTURAHUB_PUSH_ALLOWED_NETWORKS": "10.0.0.0/8, intranet"})
    assert "'intranet' is not an IP network" in error.value.message("en")
