"""The suppliers' web service, eFACT profile (protocols.md §3): facturahub's own WSDL for eFACT's
suppliers' SOAP contract (``ws-proveedores-SOAP.md``), RPC/literal in namespace
``https://webservice.efact.es/sspp``.

The invoice operations have FACe's shapes, except that ``resultado`` may carry
``registroAdministrativo`` (``consultarFactura``); the three status-download operations answer
``return{resultado, observaciones, ficheroResultante}`` with ``resultado`` a plain ``0``/``1``.
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

NAMESPACE = "https://webservice.efact.es/sspp"


def _all(name: str, *fields: Field) -> ComplexType:
    return ComplexType(name, fields)


def _array(name: str, item: str, item_type: str) -> ComplexType:
    return ComplexType(name, (Field(item, item_type, repeated=True),), sequence=True)


def _response(name: str, element: str, element_type: str) -> ComplexType:
    return _all(name, Field("resultado", "tns:Resultado"), Field(element, element_type, nillable=True))


TYPES = (
    _all(
        "Resultado",
        Field("codigo"),
        Field("descripcion"),
        Field("codigoSeguimiento", nillable=True),
        Field("registroAdministrativo", nillable=True),  # consultarFactura only
    ),
    _all("Estado", Field("nombre"), Field("codigo"), Field("descripcion")),
    _array("ArrayOfEstado", "estado", "tns:Estado"),
    _response("ConsultarEstadosResponse", "estados", "tns:ArrayOfEstado"),
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
    # status downloads
    _all(
        "PeticionDescargas",
        Field("identificadorEmisor"),
        Field("indiceDescarga"),
        Field("opcionMarcado"),
    ),
    _all("ConfirmacionDescargas", Field("identificadorEmisor"), Field("indiceDescarga")),
    _all(
        "DescargasEstadosResponse",
        Field("resultado"),
        Field("observaciones", nillable=True),
        Field("ficheroResultante", nillable=True),
    ),
)

OPERATIONS = (
    Operation(
        "enviarFactura",
        "Envía una factura al servicio",
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
        "Solicita la anulación de una factura ya enviada",
        (("numeroRegistro", STRING), ("motivo", STRING)),
        "tns:AnularFacturaResponse",
    ),
    Operation(
        "consultarEstados",
        "Listado de estados de los flujos ordinario y de anulación",
        (),
        "tns:ConsultarEstadosResponse",
    ),
    Operation(
        "consultarListadoFacturas",
        "Consulta el estado de varias facturas (máximo 500)",
        (("request", "tns:ConsultarListadoFacturaRequest"),),
        "tns:ConsultarListadoFacturaResponse",
    ),
    Operation(
        "solicitudDescargasEstados",
        "Índice de descargas de estados pendientes de un emisor (ZIP en base64)",
        (("identificadorEmisor", STRING),),
        "tns:DescargasEstadosResponse",
    ),
    Operation(
        "peticionDescargasEstados",
        "Descarga un documento de estados (DeliveryFeedback, ZIP en base64); opcionMarcado S|N",
        (("peticionDescargas", "tns:PeticionDescargas"),),
        "tns:DescargasEstadosResponse",
    ),
    Operation(
        "confirmacionDescargasEstados",
        "Marca como descargado un índice de descarga",
        (("confirmacionDescargas", "tns:ConfirmacionDescargas"),),
        "tns:DescargasEstadosResponse",
    ),
)

DESCRIPTION = ServiceDescription(
    name="EFactWebServiceProxy",
    namespace=NAMESPACE,
    port_type="EFactWebServiceProxyPort",
    binding="EFactWebServiceProxyBinding",
    service="EFactWebServiceProxyService",
    port="EFactWebServiceProxyPort",
    types=TYPES,
    operations=OPERATIONS,
)


@lru_cache(maxsize=32)  # bounded: the address comes from the request's Host
def efact_sspp_wsdl(address: str) -> bytes:
    return build_wsdl(DESCRIPTION, address)
