"""Where the hub may connect on a caller's behalf (push endpoints): the rule against server-side
request forgery.

A supplier platform names its push endpoint, and the worker then sends requests to it from inside
the operator's network. Unless the operator allows them, destinations that are not public internet
addresses are refused: loopback, private networks (RFC 1918, ``fc00::/7``), link-local
(``169.254.0.0/16``, where cloud metadata services answer, and ``fe80::/10``), the shared address
space (``100.64.0.0/10``), unspecified, multicast, reserved and documentation ranges, and IPv6
(``192.0.0.0/24`` but two anycast addresses, IPv6 site-local ``fec0::/10``), and IPv6
addresses that carry an IPv4 address that is any of these (IPv4-mapped, 6to4, NAT64).

The rule applies twice: when the endpoint is configured (the integrator learns at once), and at
every delivery, to the addresses the name resolves to at that moment. The delivery connects to the
very address that was checked, so a name that resolves differently a moment later (DNS rebinding)
cannot move it, and it never follows redirects.

Through an HTTP proxy (``FACTURAHUB_PUSH_PROXY_URL``) the proxy resolves and connects: the hub
then screens what it can (a literal address, a name whose every current address is refused) and
leaves the rest, DNS rebinding included, to the proxy's own egress rules.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from facturahub.config import IPNetwork, Settings, parse_networks
from facturahub.errors import InvalidInput
from facturahub.i18n import register_messages

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix
# IANA's IETF Protocol Assignments (RFC 6890): not globally reachable, though Python 3.11's
# ``is_global`` says so for most of it; two anycast services in it are global (PCP, TURN).
_IETF_PROTOCOL_ASSIGNMENTS = ipaddress.IPv4Network("192.0.0.0/24")
_GLOBAL_ANYCAST = frozenset({ipaddress.IPv4Address("192.0.0.9"), ipaddress.IPv4Address("192.0.0.10")})


class DestinationRefused(InvalidInput):
    """No address of the destination may be connected to (or the name does not resolve)."""


def address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address (a message key suffix), or ``None``."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_kind(embedded)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE:
        return "shared"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global or _special_purpose(address):
        return "reserved"
    return None


def _special_purpose(address: IPAddress) -> bool:
    """Ranges Python's tables miss: the deprecated IPv6 site-local ``fec0::/10`` (RFC 3879), and
    ``192.0.0.0/24`` but for its two global anycast addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.is_site_local
    return address in _IETF_PROTOCOL_ASSIGNMENTS and address not in _GLOBAL_ANYCAST


@dataclass(frozen=True)
class DestinationPolicy:
    """``allow_non_public``: every address is allowed (the sandbox's default, for endpoints on the
    integrator's own machine). Otherwise only public addresses and those in ``allowed``."""

    allow_non_public: bool
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> DestinationPolicy:
        networks = parse_networks(settings.push_allowed_networks)
        return cls(settings.effective_push_private_destinations, networks)

    def refusal(self, address: IPAddress) -> str | None:
        """The kind of address that is refused (``"loopback"``, ``"private"``…), or ``None``."""
        if self.allow_non_public:
            return None
        kind = address_kind(address)
        if kind is None or any(_contains(network, address) for network in self.allowed):
            return None
        return kind

    def vet(self, host: str, port: int) -> IPAddress:
        """Resolve ``host`` now and return the first address that may be connected to; raises
        :class:`DestinationRefused` naming the refused address (or the name that did not resolve)."""
        addresses = resolve(host, port)
        if not addresses:
            raise DestinationRefused("destination.unresolvable", host=host)
        for address in addresses:
            if self.refusal(address) is None:
                return address
        raise self._refused(host, addresses[0])

    def screen(self, host: str, port: int) -> None:
        """Refuse a literal address, or a name whose every current address is refused. A name that
        does not resolve here is let through: at configuration it may resolve later (its deliveries
        will say so), and behind a proxy only the proxy may be able to resolve it."""
        if self.allow_non_public:
            return  # every address is allowed: no need to resolve
        addresses = resolve(host, port)
        if addresses and all(self.refusal(address) is not None for address in addresses):
            raise self._refused(host, addresses[0])

    def _refused(self, host: str, address: IPAddress) -> DestinationRefused:
        return DestinationRefused(f"destination.{self.refusal(address)}", host=host, address=_shown(address))


def host_and_port(url: str) -> tuple[str, int]:
    """The host an http(s) URL names and its port (the scheme's default when it gives none)."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def a_label(host: str) -> str:
    """The host as DNS and HTTP carry it: an address literal as it is, a name in ASCII (an
    internationalised one as its A-label, ``xn--…``). ``ValueError`` for a name DNS cannot carry:
    an empty label (``a..b``), a label over 63 characters."""
    if _literal(host) is not None:
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"the host name {host} cannot be written for DNS (IDNA): {exc}") from None


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (a literal address resolves to itself), in the
    resolver's order, without duplicates; empty when it does not resolve."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    addresses = (ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found)
    return list(dict.fromkeys(addresses))  # in order, without duplicates


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: IPv4-mapped, 6to4, or NAT64's well-known prefix."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _shown(address: IPAddress) -> str:
    """IPv4-mapped addresses as people write them (``::ffff:10.0.0.1``, not ``::ffff:a00:1``)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _contains(network: IPNetwork, address: IPAddress) -> bool:
    address = _embedded_ipv4(address) or address
    return network.version == address.version and address in network


_KINDS = {
    "unspecified": ("una dirección no especificada", "an unspecified address"),
    "loopback": ("una dirección local (loopback)", "a loopback address"),
    "link_local": ("una dirección de enlace local", "a link-local address"),
    "multicast": ("una dirección multicast", "a multicast address"),
    "shared": ("una dirección compartida de operador (100.64.0.0/10)", "a shared address (100.64.0.0/10)"),
    "private": ("una dirección de red privada", "a private network address"),
    "reserved": ("una dirección reservada, no pública", "a reserved, non-public address"),
}
REFUSED_KINDS = frozenset(_KINDS)

register_messages(
    {
        **{
            f"destination.{kind}": {
                "es": f"{{host}} es {spanish} ({{address}}): este servidor no envía peticiones a "
                "direcciones que no son públicas salvo que el operador las autorice",
                "en": f"{{host}} is {english} ({{address}}): this server does not send requests to "
                "non-public addresses unless the operator allows them",
            }
            for kind, (spanish, english) in _KINDS.items()
        },
        "destination.unresolvable": {
            "es": "El nombre {host} no se resuelve a ninguna dirección",
            "en": "The name {host} does not resolve to any address",
        },
    }
)
