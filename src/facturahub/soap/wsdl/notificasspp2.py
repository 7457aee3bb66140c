"""The suppliers' push-notification configuration service, FACe ``notificasspp2`` (RPC/literal;
``servicio-web-notificasspp.txt`` §4): ``getNotificacionTipo``, ``setNotificacion``,
``getNotificacion``."""

from __future__ import annotations

from functools import lru_cache

from facturahub.soap.wsdl.builder import ComplexType, Field, Operation, ServiceDescription, build_wsdl

NAMESPACE = "https://webservice.face.gob.es"

TYPES = (
    ComplexType(
        "Resultado", (Field("codigo"), Field("descripcion"), Field("codigoSeguimiento", nillable=True))
    ),
    ComplexType("notificacionTipoInfo", (Field("codigo"), Field("nombre"), Field("descripcion"))),
    ComplexType(
        "ArrayOfnotificacionTipoInfo",
        (Field("notificacionTipoInfo", "tns:notificacionTipoInfo", repeated=True),),
        sequence=True,
    ),
    ComplexType(
        "getNotificacionTipoResponse",
        (
            Field("resultado", "tns:Resultado"),
            Field("notificacionTipo", "tns:ArrayOfnotificacionTipoInfo", nillable=True),
        ),
    ),
    ComplexType("setNotificacionRequest", (Field("codigo"), Field("estado"), Field("value"))),
    ComplexType("getNotificacionRequest", (Field("codigo"),)),
    ComplexType(
        "notificacionInfo", (Field("codigo"), Field("nombre"), Field("estado"), Field("value", nillable=True))
    ),
    ComplexType(
        "setNotificacionResponse",
        (Field("resultado", "tns:Resultado"), Field("notificacion", "tns:notificacionInfo", nillable=True)),
    ),
    ComplexType(
        "getNotificacionResponse",
        (Field("resultado", "tns:Resultado"), Field("notificacion", "tns:notificacionInfo", nillable=True)),
    ),
)

OPERATIONS = (
    Operation(
        "getNotificacionTipo",
        "Tipos de notificación activos FACe-Proveedor",
        (),
        "tns:getNotificacionTipoResponse",
    ),
    Operation(
        "setNotificacion",
        "Crea o actualiza la configuración de un tipo de notificación",
        (("notificacion", "tns:setNotificacionRequest"),),
        "tns:setNotificacionResponse",
    ),
    Operation(
        "getNotificacion",
        "Configuración de un tipo de notificación",
        (("notificacion", "tns:getNotificacionRequest"),),
        "tns:getNotificacionResponse",
    ),
)

DESCRIPTION = ServiceDescription(
    name="NotificaSSPPWebServiceProxy",
    namespace=NAMESPACE,
    port_type="NotificaSSPPWebServiceProxyPort",
    binding="NotificaSSPPWebServiceProxyBinding",
    service="NotificaSSPPWebServiceProxyService",
    port="NotificaSSPPWebServiceProxyPort",
    types=TYPES,
    operations=OPERATIONS,
)


@lru_cache(maxsize=32)  # bounded: the address comes from the request's Host
def notificasspp2_wsdl(address: str) -> bytes:
    return build_wsdl(DESCRIPTION, address)
