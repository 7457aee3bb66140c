"""Build an RPC/literal SOAP 1.1 WSDL 1.1 document from a small description in code.

Types are ``complexType``s in the target namespace, built with ``xsd:all`` (element order never
matters) or ``xsd:sequence`` (arrays); every message part is typed; one ``return`` output part per
operation; the service address is given at render time (the URL the WSDL is served from).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
STRING = "xsd:string"


@dataclass(frozen=True)
class Field:
    name: str
    type: str = STRING  # "xsd:string" or "tns:<ComplexType>"
    nillable: bool = False
    repeated: bool = False  # minOccurs=0 maxOccurs=unbounded (sequences only)


@dataclass(frozen=True)
class ComplexType:
    name: str
    fields: tuple[Field, ...]
    sequence: bool = False  # xsd:sequence (arrays) instead of xsd:all


@dataclass(frozen=True)
class Operation:
    name: str
    documentation: str
    inputs: tuple[tuple[str, str], ...]  # (part name, type)
    output: str  # type of the "return" part


@dataclass(frozen=True)
class ServiceDescription:
    name: str  # definitions/@name
    namespace: str
    port_type: str
    binding: str
    service: str
    port: str
    types: tuple[ComplexType, ...]
    operations: tuple[Operation, ...]
    extra_namespaces: dict[str | None, str] = field(default_factory=dict)


def build_wsdl(description: ServiceDescription, address: str) -> bytes:
    ns = description.namespace
    nsmap: dict[str | None, str] = {
        None: WSDL_NS,
        "wsdl": WSDL_NS,
        "tns": ns,
        "soap": SOAP_NS,
        "xsd": XSD_NS,
        **description.extra_namespaces,
    }
    definitions = etree.Element(
        f"{{{WSDL_NS}}}definitions", nsmap=nsmap, name=description.name, targetNamespace=ns
    )
    _types(definitions, description)
    _messages(definitions, description)
    _port_type(definitions, description)
    _binding(definitions, description)
    service = etree.SubElement(definitions, _w("service"), name=description.service)
    port = etree.SubElement(service, _w("port"), name=description.port, binding=f"tns:{description.binding}")
    etree.SubElement(port, f"{{{SOAP_NS}}}address", location=address)
    return bytes(etree.tostring(definitions, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _w(name: str) -> str:
    return f"{{{WSDL_NS}}}{name}"


def _x(name: str) -> str:
    return f"{{{XSD_NS}}}{name}"


def _types(definitions: etree._Element, description: ServiceDescription) -> None:
    types = etree.SubElement(definitions, _w("types"))
    schema = etree.SubElement(types, _x("schema"), targetNamespace=description.namespace)
    for complex_type in description.types:
        node = etree.SubElement(schema, _x("complexType"), name=complex_type.name)
        group = etree.SubElement(node, _x("sequence" if complex_type.sequence else "all"))
        for item in complex_type.fields:
            element = etree.SubElement(group, _x("element"), name=item.name, type=item.type)
            if item.repeated:
                element.set("minOccurs", "0")
                element.set("maxOccurs", "unbounded")
            if item.nillable:
                element.set("nillable", "true")


def _messages(definitions: etree._Element, description: ServiceDescription) -> None:
    for operation in description.operations:
        message = etree.SubElement(definitions, _w("message"), name=f"{operation.name}In")
        for part_name, part_type in operation.inputs:
            etree.SubElement(message, _w("part"), name=part_name, type=part_type)
        message = etree.SubElement(definitions, _w("message"), name=f"{operation.name}Out")
        etree.SubElement(message, _w("part"), name="return", type=operation.output)


def _port_type(definitions: etree._Element, description: ServiceDescription) -> None:
    port_type = etree.SubElement(definitions, _w("portType"), name=description.port_type)
    for operation in description.operations:
        node = etree.SubElement(port_type, _w("operation"), name=operation.name)
        etree.SubElement(node, _w("documentation")).text = operation.documentation
        etree.SubElement(node, _w("input"), message=f"tns:{operation.name}In")
        etree.SubElement(node, _w("output"), message=f"tns:{operation.name}Out")


def _binding(definitions: etree._Element, description: ServiceDescription) -> None:
    binding = etree.SubElement(
        definitions, _w("binding"), name=description.binding, type=f"tns:{description.port_type}"
    )
    etree.SubElement(binding, f"{{{SOAP_NS}}}binding", style="rpc", transport=HTTP_TRANSPORT)
    for operation in description.operations:
        node = etree.SubElement(binding, _w("operation"), name=operation.name)
        etree.SubElement(
            node, f"{{{SOAP_NS}}}operation", soapAction=f"{description.namespace}#{operation.name}"
        )
        for direction in ("input", "output"):
            holder = etree.SubElement(node, _w(direction))
            etree.SubElement(holder, f"{{{SOAP_NS}}}body", use="literal", namespace=description.namespace)
