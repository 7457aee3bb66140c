import base64
from pathlib import Path

import pytest

import facturahub.services  # noqa: F401  (registers the services catalog)
from facturahub.config import Mode, load_settings, parse_proxy_url
from facturahub.errors import ConfigurationError
from facturahub.i18n import translate


def test_defaults_then_file_then_environment(tmp_path: Path) -> None:
    defaults = load_settings(environ={})
    assert (defaults.host, defaults.port, defaults.mode) == ("127.0.0.1", 8080, Mode.SANDBOX)
    assert defaults.effective_database_url.startswith(
        "sqlite:///"
    ) and defaults.effective_database_url.endswith("var/facturahub.db")
    config = tmp_path / "hub.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\ndatabase_url = "postgresql+psycopg://x/y"\n')
    from_file = load_settings(environ={"FACTURAHUB_CONFIG": str(config)})
    assert (from_file.port, from_file.host, from_file.effective_database_url) == (
        9000,
        "0.0.0.0",
        "postgresql+psycopg://x/y",
    )
    env = load_settings(
        environ={
            "FACTURAHUB_CONFIG": str(config),
            "FACTURAHUB_PORT": "9100",
            "FACTURAHUB_MODE": "production",
            "OTHER": "1",
        }
    )
    assert (env.port, env.host, env.mode) == (9100, "0.0.0.0", Mode.PRODUCTION)


def test_the_time_zone_is_madrid_unless_configured() -> None:
    assert load_settings(environ={}).zone.key == "Europe/Madrid"
    assert load_settings(environ={"FACTURAHUB_TIME_ZONE": "Atlantic/Canary"}).zone.key == "Atlantic/Canary"


@pytest.mark.parametrize(
    ("environ", "key", "fragment"),
    [
        ({"FACTURAHUB_PORT": "eighty"}, "config.invalid", "port"),
        ({"FACTURAHUB_MODE": "staging"}, "config.invalid", "mode"),
        ({"FACTURAHUB_CONFIG": "/nonexistent/hub.toml"}, "config.file_missing", "/nonexistent/hub.toml"),
        (
            {"FACTURAHUB_TIME_ZONE": "Europe/Madird"},
            "config.invalid",
            "'Europe/Madird' is not an IANA time zone",
        ),
        ({"FACTURAHUB_TIME_ZONE": "+01:00"}, "config.invalid", "time_zone"),
        ({"FACTURAHUB_PUSH_PROXY_URL": "https://proxy:3128"}, "config.invalid", "must be http://host:port"),
        ({"FACTURAHUB_PUSH_PROXY_URL": "proxy.example:3128"}, "config.invalid", "push_proxy_url"),
        ({"FACTURAHUB_PUSH_PROXY_URL": "http://proxy:99999"}, "config.invalid", "Port out of range"),
        ({"FACTURAHUB_PUSH_PROXY_URL": "http://u:topsecret@proxy:3128/x"}, "config.invalid", "no path"),
        (
            {"FACTURAHUB_PUSH_NO_PROXY": "intranet.example, proxy.example:3128"},
            "config.invalid",
            "'proxy.example:3128' is neither a domain name nor an IP network (CIDR); ports are not supported",
        ),
        (
            {"FACTURAHUB_PUSH_NO_PROXY": "10.0.0.0/8, *"},
            "config.invalid",
            "leave FACTURAHUB_PUSH_PROXY_URL unset",
        ),
        ({"FACTURAHUB_PUSH_NO_PROXY": "http://intranet.example"}, "config.invalid", "push_no_proxy"),
        ({"FACTURAHUB_PUSH_PER_ENDPOINT": "0"}, "config.invalid", "push_per_endpoint"),
        ({"FACTURAHUB_PUSH_PAUSE_SECONDS": "-1"}, "config.invalid", "push_pause_seconds"),
        ({"FACTURAHUB_PUSH_PAUSE_SECONDS": "inf"}, "config.invalid", "push_pause_seconds"),
    ],
)
def test_bad_settings_say_what_is_wrong(environ: dict[str, str], key: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(environ=environ)
    assert caught.value.key == key
    assert fragment in caught.value.message("en")
    assert "topsecret" not in caught.value.message("en")  # a proxy password is never repeated


def test_the_push_proxy_url_gives_address_and_credentials() -> None:
    assert load_settings(environ={}).push_proxy is None
    assert load_settings(environ={"FACTURAHUB_PUSH_PROXY_URL": " "}).push_proxy is None
    plain = load_settings(environ={"FACTURAHUB_PUSH_PROXY_URL": "http://proxy.example"}).push_proxy
    assert plain is not None and (str(plain), plain.authorization) == ("proxy.example:80", None)
    proxy = parse_proxy_url("http://hub%40ayto:p%3Ass@[fd00::3]:3128/")
    assert (proxy.host, proxy.port, str(proxy)) == ("fd00::3", 3128, "[fd00::3]:3128")
    assert proxy.authorization == "Basic " + base64.b64encode(b"hub@ayto:p:ss").decode()


@pytest.mark.parametrize(
    ("host", "direct"),
    [
        ("intranet.example.org", True),
        ("INTRANET.Example.org.", True),  # names are case-insensitive; a trailing dot is the root
        ("erp.intranet.example.org", True),  # a subdomain
        ("extranet.example.org", False),
        ("badintranet.example.org", False),  # a suffix of the text, not of the domain
        ("erp.partners.example", True),
        ("partners.example", True),
        ("vpn.example", True),  # written *.vpn.example
        ("10.20.3.4", True),
        ("10.21.0.1", False),
        ("fd00:1::7", True),
        ("[fd00:1::7]", True),
        ("fd00:2::7", False),
        ("192.168.1.10", False),  # an address is matched against the networks only
        ("localhost", False),
    ],
)
def test_the_no_proxy_list_matches_domains_with_their_subdomains_and_networks(
    host: str, direct: bool
) -> None:
    exempt = load_settings(
        environ={
            "FACTURAHUB_PUSH_NO_PROXY": " intranet.example.org, .partners.example,*.vpn.example, "
            "10.20.0.0/16,fd00:1::/64,,"
        }
    ).push_direct
    assert exempt.matches(host) is direct
    assert not load_settings(environ={}).push_direct.matches(host)  # by default everything is proxied


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(environ={"FACTURAHUB_CONFIG": str(config)})
    assert "prot" in caught.value.message("en")


def test_messages_default_to_spanish_and_fall_back() -> None:
    assert translate("user.not_found", None, nif="1") == "No existe ningún usuario con NIF 1"
    assert translate("user.not_found", "en-GB", nif="1") == "There is no user with NIF 1"
    assert translate("user.not_found", "fr", nif="1") == "No existe ningún usuario con NIF 1"
    assert translate("no.such.key", "en", a=1) == "no.such.key (a=1)"
