"""Mount the SOAP services on the ASGI application."""

from __future__ import annotations

from starlette.routing import Route

from facturahub.soap.efact_suppliers import EFACT_SUPPLIERS
from facturahub.soap.face_notifications import FACE_NOTIFICATIONS
from facturahub.soap.face_rcf import FACE_RCF
from facturahub.soap.face_suppliers import FACE_SUPPLIERS
from facturahub.soap.pipeline import HubParts, Pipeline
from facturahub.soap.profile import Profile
from facturahub.soap.transport import SOAPEndpoint

PROFILES: tuple[Profile, ...] = (FACE_SUPPLIERS, EFACT_SUPPLIERS, FACE_RCF, FACE_NOTIFICATIONS)


def soap_routes(hub: HubParts) -> list[Route]:
    """One route per profile: ``POST <path>`` (requests) and ``GET <path>?wsdl``."""
    routes = []
    for profile in PROFILES:
        endpoint = SOAPEndpoint(hub, Pipeline(hub, profile))
        routes.append(
            Route(profile.path, endpoint.handle, methods=["GET", "POST"], name=f"soap-{profile.name}")
        )
    return routes
