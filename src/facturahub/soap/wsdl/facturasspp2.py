"""The suppliers' web service, FACe profile (protocols.md §2): FACe's ``facturasspp2`` contract
(RPC/literal) without the two ``…OffLine`` operations, which facturahub does not offer."""

from __future__ import annotations

from functools import lru_cache

from facturahub.soap.wsdl.builder import (
    STRING,
    ComplexType,
    Field,
    Operation,
    ServiceDescription,
    build_wsdl,
)

NAMESPACE = "https://webservice.face.gob.es"


def _all(name: str, *fields: Field) -> ComplexType:
    return ComplexType(name, fields)


def _array(name: str, item: str, item_type: str) -> ComplexType:
    return ComplexType(name, (Field(item, item_type, repeated=True),), sequence=True)


def _response(name: str, element: str, element_type: str) -> ComplexType:
    return _all(name, Field("resultado", "tns:Resultado"), Field(element, element_type, nillable=True))


TYPES = (
    _all("Resultado", Field("codigo"), Field("descripcion"), Field("codigoSeguimiento", nillable=True)),
    _all("Estado", Field("nombre"), Field("codigo"), Field("descripcion")),
    _array("ArrayOfEstado", "estado", "tns:Estado"),
    _response("ConsultarEstadosResponse", "estados", "tns:ArrayOfEstado"),
    _all("UnidadDir3", Field("codigo", nillable=True), Field("nombre", nillable=True)),
    _all(
        "OGUTOC",
        Field("organoGestor", "tns:UnidadDir3", nillable=True),
        Field("unidadTramitadora", "tns:UnidadDir3", nillable=True),
        Field("oficinaContable", "tns:UnidadDir3", nillable=True),
    ),
    _array("ArrayOfOGUTOC", "relacion", "tns:OGUTOC"),
    _response("ConsultarRelacionesPorAdministracionResponse", "relaciones", "tns:ArrayOfOGUTOC"),
    _response("ConsultarRelacionesResponse", "relaciones", "tns:ArrayOfOGUTOC"),
    _all("OGNIFs", Field("organoGestor", "tns:UnidadDir3", nillable=True), Field("nif")),
    _array("ArrayOfOGNIFs", "info", "tns:OGNIFs"),
    _response("ConsultarNIFsResponse", "nifs", "tns:ArrayOfOGNIFs"),
    _response("ConsultarNIFsPorAdministracionResponse", "nifs", "tns:ArrayOfOGNIFs"),
    _all("FacturaFile", Field("factura"), Field("nombre"), Field("mime")),
    _all("AnexoFile", Field("anexo"), Field("nombre"), Field("mime")),
    _array("ArrayOfAnexoFile", "anexo", "tns:AnexoFile"),
    _all(
        "EnviarFacturaRequest",
        Field("correo"),
        Field("factura", "tns:FacturaFile"),
        Field("anexos", "tns:ArrayOfAnexoFile", nillable=True),
    ),
    _all(
        "EnviarFactura",
        Field("numeroRegistro"),
        Field("organoGestor"),
        Field("unidadTramitadora"),
        Field("oficinaContable"),
        Field("identificadorEmisor"),
        Field("numeroFactura", nillable=True),
        Field("serieFactura", nillable=True),
        Field("fechaRecepcion"),
    ),
    _response("EnviarFacturaResponse", "factura", "tns:EnviarFactura"),
    _all("EstadoFactura", Field("codigo"), Field("descripcion"), Field("motivo")),
    _all(
        "ConsultarFactura",
        Field("numeroRegistro"),
        Field("tramitacion", "tns:EstadoFactura"),
        Field("anulacion", "tns:EstadoFactura"),
    ),
    _all(
        "ConsultarListadoFactura",
        Field("codigo"),
        Field("descripcion"),
        Field("factura", "tns:ConsultarFactura"),
    ),
    _response("ConsultarFacturaResponse", "factura", "tns:ConsultarFactura"),
    _array("ArrayOfConsultarListadoFactura", "consultarListadoFactura", "tns:ConsultarListadoFactura"),
    _response("ConsultarListadoFacturaResponse", "facturas", "tns:ArrayOfConsultarListadoFactura"),
    _array("ConsultarListadoFacturaRequest", "numeroRegistro", STRING),
    _all("AnularFactura", Field("numeroRegistro"), Field("mensaje")),
    _response("AnularFacturaResponse", "factura", "tns:AnularFactura"),
    _array("ArrayOfAdministracion", "administracion", "tns:UnidadDir3"),
    _response("ConsultarAdministracionesResponse", "administraciones", "tns:ArrayOfAdministracion"),
    _response(
        "ConsultarAdministracionesRepositorioResponse", "administraciones", "tns:ArrayOfAdministracion"
    ),
)

OPERATIONS = (
    Operation(
        "enviarFactura",
        "Remite una factura",
        (("request", "tns:EnviarFacturaRequest"),),
        "tns:EnviarFacturaResponse",
    ),
    Operation(
        "consultarFactura",
        "Consulta el estado de una factura",
        (("numeroRegistro", STRING),),
        "tns:ConsultarFacturaResponse",
    ),
    Operation(
        "anularFactura",
        "Solicita la anulación de una factura",
        (("numeroRegistro", STRING), ("motivo", STRING)),
        "tns:AnularFacturaResponse",
    ),
    Operation(
        "consultarEstados", "Consulta los estados públicos de una factura", (), "tns:ConsultarEstadosResponse"
    ),
    Operation(
        "consultarUnidades",
        "Consulta las relaciones OG-UT-OC existentes",
        (),
        "tns:ConsultarRelacionesResponse",
    ),
    Operation("consultarNIFs", "Consulta los NIF de los órganos gestores", (), "tns:ConsultarNIFsResponse"),
    Operation(
        "consultarAdministraciones",
        "Listado de administraciones de primer nivel",
        (),
        "tns:ConsultarAdministracionesResponse",
    ),
    Operation(
        "consultarAdministracionesRepositorio",
        "Listado de administraciones de primer nivel",
        (),
        "tns:ConsultarAdministracionesRepositorioResponse",
    ),
    Operation(
        "consultarUnidadesPorAdministracion",
        "Relaciones OG-UT-OC de una administración",
        (("codigoDir", STRING),),
        "tns:ConsultarRelacionesPorAdministracionResponse",
    ),
    Operation(
        "consultarNIFsPorAdministracion",
        "NIF de los órganos gestores de una administración",
        (("codigoDir", STRING),),
        "tns:ConsultarNIFsPorAdministracionResponse",
    ),
    Operation(
        "consultarListadoFacturas",
        "Consulta los estados de una lista de facturas",
        (("request", "tns:ConsultarListadoFacturaRequest"),),
        "tns:ConsultarListadoFacturaResponse",
    ),
)

DESCRIPTION = ServiceDescription(
    name="FacturaSSPPWebServiceProxy",
    namespace=NAMESPACE,
    port_type="FacturaSSPPWebServiceProxyPort",
    binding="FacturaSSPPWebServiceProxyBinding",
    service="FacturaSSPPWebServiceProxyService",
    port="FacturaSSPPWebServiceProxyPort",
    types=TYPES,
    operations=OPERATIONS,
)


@lru_cache(maxsize=32)  # bounded: the address comes from the request's Host
def facturasspp2_wsdl(address: str) -> bytes:
    return build_wsdl(DESCRIPTION, address)
