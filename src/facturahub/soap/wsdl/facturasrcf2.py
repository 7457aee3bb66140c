"""The receiving registries' web service, FACe profile (protocols.md §4): facturahub's own WSDL
for ``facturasrcf2`` (FACe publishes none), with exactly the names a real RCF client reads.

One schema in the target namespace (so clients call it ``ns0``), complex types with ``xsd:all``,
arrays as sequences of one repeated element, every value ``xsd:string`` (codes and base64 alike),
one ``return`` part per operation, parameters positional in the contract's order.
"""

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


def _all(name: str, *names: str | Field) -> ComplexType:
    """An ``xsd:all`` type; plain names are nillable strings (FACe answers null for them)."""
    return ComplexType(name, tuple(f if isinstance(f, Field) else Field(f, nillable=True) for f in names))


def _array(name: str, item: str, item_type: str) -> ComplexType:
    return ComplexType(name, (Field(item, item_type, repeated=True),), sequence=True)


def _response(name: str, *fields: Field) -> ComplexType:
    return ComplexType(name, (Field("resultado", "tns:Resultado"), *fields))


def _nested(name: str, type_name: str) -> Field:
    return Field(name, f"tns:{type_name}", nillable=True)


_CHANGE_ITEM = ("oficinaContable", "numeroRegistro", "codigo", "comentarios")

TYPES = (
    _all("Resultado", Field("codigo"), Field("descripcion"), "codigoSeguimiento"),
    # consultarEstados
    _all("Estado", "flujo", "nombre", "nombrePublico", "codigo", "descripcion"),
    _array("ArrayOfEstado", "Estado", "tns:Estado"),
    _response("ConsultarEstadosResponse", _nested("estados", "ArrayOfEstado")),
    # consultarUnidades
    _all("UnidadDir3", "codigo", "nombre"),
    _all(
        "OGUTOC",
        _nested("organoGestor", "UnidadDir3"),
        _nested("unidadTramitadora", "UnidadDir3"),
        _nested("oficinaContable", "UnidadDir3"),
    ),
    _array("ArrayOfOGUTOC", "OGUTOC", "tns:OGUTOC"),
    _response("ConsultarUnidadesResponse", _nested("relaciones", "ArrayOfOGUTOC")),
    # solicitarNuevasFacturas
    _all(
        "SolicitarNuevasFacturas",
        "numeroRegistro",
        "oficinaContable",
        "organoGestor",
        "unidadTramitadora",
        "fechaHoraRegistro",
    ),
    _array("ArrayOfSolicitarNuevasFacturas", "solicitarNuevasFacturas", "tns:SolicitarNuevasFacturas"),
    _response("SolicitarNuevasFacturasResponse", _nested("facturas", "ArrayOfSolicitarNuevasFacturas")),
    # descargarFactura
    _all("AnexoFile", "anexo", "nombre", "mime"),
    _array("ArrayOfAnexoFile", "AnexoFile", "tns:AnexoFile"),
    _all(
        "DescargarFactura",
        "numero",
        "serie",
        "importe",
        "proveedor",
        "nombre",
        "factura",
        "mime",
        _nested("anexos", "ArrayOfAnexoFile"),
    ),
    _response("DescargarFacturaResponse", _nested("factura", "DescargarFactura")),
    # confirmarDescargaFactura
    _all("ConfirmarDescargaFactura", "numeroRegistro", "oficinaContable", "codigo"),
    _response("ConfirmarDescargaFacturaResponse", _nested("factura", "ConfirmarDescargaFactura")),
    # consultarFactura / consultarListadoFacturas
    _all("EstadoFactura", "codigo", "descripcion", "motivo"),
    _all(
        "ConsultarFactura",
        "numeroRegistro",
        _nested("tramitacion", "EstadoFactura"),
        _nested("anulacion", "EstadoFactura"),
    ),
    _response("ConsultarFacturaResponse", _nested("factura", "ConsultarFactura")),
    _array("ArrayOfConsultarListadoFacturasRequest", "numeroRegistro", STRING),
    _all("ConsultarListadoFacturas", "codigo", "descripcion", _nested("factura", "ConsultarFactura")),
    _array("ArrayOfConsultarListadoFacturas", "consultarListadoFacturas", "tns:ConsultarListadoFacturas"),
    _response("ConsultarListadoFacturasResponse", _nested("facturas", "ArrayOfConsultarListadoFacturas")),
    # cambiarEstadoFactura / cambiarEstadoListadoFacturas
    _all("FacturaEstado", "numeroRegistro", "codigo"),
    _response("CambiarEstadoFacturaResponse", _nested("factura", "FacturaEstado")),
    # "comentario" too: a real client (aapp2face) sends the list form's comment under that name
    _all("CambiarEstadoListadoFacturaRequest", *_CHANGE_ITEM, "comentario"),
    _array(
        "ArrayOfCambiarEstadoListadoFacturaRequest",
        "cambiarEstadoListadoFacturaRequest",
        "tns:CambiarEstadoListadoFacturaRequest",
    ),
    _all("CambiarEstadoListadoFacturas", "codigo", "descripcion", _nested("factura", "FacturaEstado")),
    _array(
        "ArrayOfCambiarEstadoListadoFacturas",
        "cambiarEstadoListadoFacturas",
        "tns:CambiarEstadoListadoFacturas",
    ),
    _response(
        "CambiarEstadoListadoFacturasResponse", _nested("facturas", "ArrayOfCambiarEstadoListadoFacturas")
    ),
    # consultarCodigoRCF / cambiarCodigoRCF
    _response("ConsultarCodigoRCFResponse", Field("codigoRCF", nillable=True)),
    _response("CambiarCodigoRCFResponse", Field("codigoRCF", nillable=True)),
    # solicitarNuevasAnulaciones
    _all(
        "SolicitarNuevasAnulaciones",
        "numeroRegistro",
        "oficinaContable",
        "organoGestor",
        "unidadTramitadora",
        "fechaHoraSolicitudAnulacion",
        "motivo",
    ),
    _array(
        "ArrayOfSolicitarNuevasAnulaciones", "solicitarNuevasAnulaciones", "tns:SolicitarNuevasAnulaciones"
    ),
    _response("SolicitarNuevasAnulacionesResponse", _nested("facturas", "ArrayOfSolicitarNuevasAnulaciones")),
    # gestionarSolicitudAnulacionFactura / …ListadoFacturas
    _response("GestionarSolicitudAnulacionFacturaResponse", _nested("factura", "FacturaEstado")),
    _all("GestionarSolicitudAnulacionListadoFacturasRequestItem", *_CHANGE_ITEM, "comentario"),
    _array(
        "ArrayOfGestionarSolicitudAnulacionListadoFacturasRequest",
        "gestionarSolicitudAnulacionListadoFacturasRequest",
        "tns:GestionarSolicitudAnulacionListadoFacturasRequestItem",
    ),
    _all(
        "GestionarSolicitudAnulacionListadoFacturas",
        "codigo",
        "descripcion",
        _nested("factura", "FacturaEstado"),
    ),
    _array(
        "ArrayOfGestionarSolicitudAnulacionListadoFacturas",
        "gestionarSolicitudAnulacionListadoFacturas",
        "tns:GestionarSolicitudAnulacionListadoFacturas",
    ),
    _response(
        "GestionarSolicitudAnulacionListadoFacturasResponse",
        _nested("facturas", "ArrayOfGestionarSolicitudAnulacionListadoFacturas"),
    ),
)


def _strings(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, STRING) for name in names)


OPERATIONS = (
    Operation("consultarEstados", "Estados de ambos flujos", (), "tns:ConsultarEstadosResponse"),
    Operation("consultarUnidades", "Relaciones OG-UT-OC del RCF", (), "tns:ConsultarUnidadesResponse"),
    Operation(
        "solicitarNuevasFacturas",
        "Facturas en estado 1200 (hasta 500)",
        _strings("oficinaContable"),
        "tns:SolicitarNuevasFacturasResponse",
    ),
    Operation(
        "descargarFactura",
        "Descarga una factura en estado 1200",
        _strings("numeroRegistro"),
        "tns:DescargarFacturaResponse",
    ),
    Operation(
        "confirmarDescargaFactura",
        "Confirma la descarga (1300)",
        _strings("oficinaContable", "numeroRegistro", "codigoRCF"),
        "tns:ConfirmarDescargaFacturaResponse",
    ),
    Operation(
        "consultarFactura",
        "Estado de una factura",
        _strings("numeroRegistro"),
        "tns:ConsultarFacturaResponse",
    ),
    Operation(
        "consultarListadoFacturas",
        "Estados de una lista de facturas (hasta 500)",
        (("request", "tns:ArrayOfConsultarListadoFacturasRequest"),),
        "tns:ConsultarListadoFacturasResponse",
    ),
    Operation(
        "cambiarEstadoFactura",
        "Cambia el estado de tramitación de una factura",
        _strings(*_CHANGE_ITEM),
        "tns:CambiarEstadoFacturaResponse",
    ),
    Operation(
        "cambiarEstadoListadoFacturas",
        "Cambia el estado de una lista de facturas (hasta 100)",
        (("request", "tns:ArrayOfCambiarEstadoListadoFacturaRequest"),),
        "tns:CambiarEstadoListadoFacturasResponse",
    ),
    Operation(
        "consultarCodigoRCF",
        "Código RCF de una factura",
        _strings("numeroRegistro"),
        "tns:ConsultarCodigoRCFResponse",
    ),
    Operation(
        "cambiarCodigoRCF",
        "Cambia el código RCF de una factura",
        _strings("numeroRegistro", "codigoRCF"),
        "tns:CambiarCodigoRCFResponse",
    ),
    Operation(
        "solicitarNuevasAnulaciones",
        "Solicitudes de anulación pendientes (hasta 500)",
        _strings("oficinaContable"),
        "tns:SolicitarNuevasAnulacionesResponse",
    ),
    Operation(
        "gestionarSolicitudAnulacionFactura",
        "Acepta (4300) o rechaza (4400) una solicitud de anulación",
        _strings(*_CHANGE_ITEM),
        "tns:GestionarSolicitudAnulacionFacturaResponse",
    ),
    Operation(
        "gestionarSolicitudAnulacionListadoFacturas",
        "Gestiona una lista de solicitudes de anulación (hasta 100)",
        (("request", "tns:ArrayOfGestionarSolicitudAnulacionListadoFacturasRequest"),),
        "tns:GestionarSolicitudAnulacionListadoFacturasResponse",
    ),
)

DESCRIPTION = ServiceDescription(
    name="FacturaRCFWebServiceProxy",
    namespace=NAMESPACE,
    port_type="FacturaRCFWebServiceProxyPort",
    binding="FacturaRCFWebServiceProxyBinding",
    service="FacturaRCFWebServiceProxyService",
    port="FacturaRCFWebServiceProxyPort",
    types=TYPES,
    operations=OPERATIONS,
)


@lru_cache(maxsize=32)  # bounded: the address comes from the request's Host
def facturasrcf2_wsdl(address: str) -> bytes:
    return build_wsdl(DESCRIPTION, address)
